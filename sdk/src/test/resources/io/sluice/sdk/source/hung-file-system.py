# A FUSE file system that stops answering, as a hard-mounted NFS server that went away does:
# mounted at argv[1], it answers the kernel's INIT (so the mount looks alive) and never answers
# anything else, so every lookup, stat, open and read below the mount point blocks in the kernel
# until this process ends (the connection is then aborted: they fail with ENOTCONN).
# Prints "mounted" once mounted, or why it could not mount (needs root and /dev/fuse).
# When its standard input ends (the test JVM that started it died, even by kill -9, and no
# shutdown hook ran) it unmounts (lazily: nothing below the mount point answers) and exits, so
# neither the mount nor this process is left behind, hanging whatever walks the temp directory.
import ctypes, os, struct, sys, threading

mount_point = sys.argv[1]
fd = os.open("/dev/fuse", os.O_RDWR)
libc = ctypes.CDLL(None, use_errno=True)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
if libc.mount(b"sluice-hung", mount_point.encode(), b"fuse", 0, options) != 0:
    print("mount failed: " + os.strerror(ctypes.get_errno()), flush=True)
    sys.exit(2)
print("mounted", flush=True)


def unmount_when_the_parent_is_gone():
    sys.stdin.buffer.read()  # returns at the end of the stream: the parent closed it, or died
    libc.umount2(mount_point.encode(), 2)  # MNT_DETACH
    os._exit(0)


threading.Thread(target=unmount_when_the_parent_is_gone, daemon=True).start()
while True:
    request = os.read(fd, 1 << 17)
    _length, opcode, unique = struct.unpack_from("<IIQ", request)
    if opcode == 26:  # FUSE_INIT, answered with protocol 7.31 and otherwise defaults
        body = struct.pack("<IIIIHHIIHHI", 7, 31, 0, 0, 16, 12, 4096, 1, 1, 0, 0) + b"\0" * 28
        os.write(fd, struct.pack("<IiQ", 16 + len(body), 0, unique) + body)
