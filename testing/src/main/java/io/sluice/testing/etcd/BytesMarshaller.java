package io.sluice.testing.etcd;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Passes a gRPC message on as the bytes it is, undecoded: for tests that speak to etcd (or stand in
 * front of it, as {@link WatchRefusingProxy} does) by method name alone, without its generated
 * stubs. Needs gRPC on the class path, which this module leaves to the modules that use it.
 */
public final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {

  /** The one instance; it holds no state. */
  public static final BytesMarshaller INSTANCE = new BytesMarshaller();

  private BytesMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
