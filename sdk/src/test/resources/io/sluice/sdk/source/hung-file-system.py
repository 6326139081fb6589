# A FUSE file system that stops answering, as a hard-mounted NFS server that went away does:
# mounted at argv[1], it answers the kernel's INIT (so the mount looks alive) and never answers
# anything else, so every lookup, stat, open and read below the mount point blocks in the kernel
# until this process ends (the connection is then aborted: they fail with ENOTCONN).
# Prints "mounted" once mounted, or why it could not mount (needs root and /dev/fuse).
import ctypes, os, struct, sys, threading, time

mount_point = sys.argv[1]


def end_with_the_test_jvm(jvm):
    # a test JVM killed mid-test runs no shutdown hook: ending here aborts the connection, so what
    # touches the mount fails with ENOTCONN instead of hanging for ever
    while os.getppid() == jvm:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=end_with_the_test_jvm, args=(os.getppid(),), daemon=True).start()
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
if libc.mount(b"sluice-hung", mount_point.encode(), b"fuse", 0, options) != 0:
    print("mount failed: " + os.strerror(ctypes.get_errno()), flush=True)
    sys.exit(2)
print("mounted", flush=True)
while True:
    request = os.read(fd, 1 << 17)
    _length, opcode, unique = struct.unpack_from("<IIQ", request)
    if opcode == 26:  # FUSE_INIT, answered with protocol 7.31 and otherwise defaults
        body = struct.pack("<IIIIHHIIHHI", 7, 31, 0, 0, 16, 12, 4096, 1, 1, 0, 0) + b"\0" * 28
        os.write(fd, struct.pack("<IiQ", 16 + len(body), 0, unique) + body)
