"""Python ftplib as a benchmark peer for bench/run.js (standard library only).

  ftplib_peer.py get  HOST PORT REMOTE LOCAL [--active]
  ftplib_peer.py put  HOST PORT LOCAL REMOTE [--active]
  ftplib_peer.py many HOST PORT MANIFEST LOCALDIR [--active]

`many` fetches every remote path listed in MANIFEST (one per line) over one
connection, one RETR each, into LOCALDIR/<basename>, and prints a JSON line
with the loop time (connect and login excluded).
"""
import ftplib
import json
import os
import sys
import time

BLOCK = 64 * 1024


def connect(host, port, active):
    ftp = ftplib.FTP()
    ftp.connect(host, int(port), timeout=60)
    ftp.login("anonymous", "guest")
    ftp.voidcmd("TYPE I")
    ftp.set_pasv(not active)
    return ftp


def main(argv):
    active = "--active" in argv
    args = [a for a in argv if a != "--active"]
    if len(args) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    mode, host, port, a, b = args
    ftp = connect(host, port, active)
    if mode == "get":
        with open(b, "wb") as f:
            ftp.retrbinary("RETR " + a, f.write, blocksize=BLOCK)
    elif mode == "put":
        with open(a, "rb") as f:
            ftp.storbinary("STOR " + b, f, blocksize=BLOCK)
    elif mode == "many":
        with open(a) as m:
            names = [line.strip() for line in m if line.strip()]
        total = 0
        t0 = time.perf_counter()
        for name in names:
            with open(os.path.join(b, os.path.basename(name)), "wb") as f:
                ftp.retrbinary("RETR " + name, f.write, blocksize=BLOCK)
                total += f.tell()
        loop = time.perf_counter() - t0
        print(json.dumps({"files": len(names), "bytes": total, "loopS": loop}))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    ftp.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
