/**
 * History of rule documents: every put, delete and rollback is kept under {@code
 * {ns}/v1/history/{service}/{revision}} with author, time, action and comment, and listed newest
 * first with paging ({@code ?limit=&before=}).
 */
package io.sluice.controlplane.history;
