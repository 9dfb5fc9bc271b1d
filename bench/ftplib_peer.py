"""Python ftplib as a benchmark peer for bench/run.js (standard library only).

  ftplib_peer.py get  HOST PORT REMOTE LOCAL [--active] [--tls CAFILE]
  ftplib_peer.py put  HOST PORT LOCAL REMOTE [--active] [--tls CAFILE]
  ftplib_peer.py many HOST PORT MANIFEST LOCALDIR [--active] [--tls CAFILE]

`many` fetches every remote path listed in MANIFEST (one per line) over one
connection, one RETR each, into LOCALDIR/<basename>, and prints a JSON line
with the loop time (connect and login excluded).

`--tls CAFILE`: explicit FTPS (AUTH TLS, then PROT P), the server's certificate
verified against CAFILE, every data connection resuming the control
connection's TLS session (servers such as vsftpd with require_ssl_reuse=YES
refuse data connections that do not).
"""
import ftplib
import json
import os
import ssl
import sys
import time

BLOCK = 64 * 1024


class ResumingFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's session.

    ftplib wraps each data socket with a fresh handshake, which vsftpd's
    require_ssl_reuse=YES rejects ("522 SSL connection failed: session reuse
    required"). Handing the control socket's session to wrap_socket fixes that.
    """

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


def connect(host, port, active, cafile):
    if cafile:
        ftp = ResumingFTP_TLS(context=ssl.create_default_context(cafile=cafile))
    else:
        ftp = ftplib.FTP()
    ftp.connect(host, int(port), timeout=60)
    ftp.login("anonymous", "guest")  # FTP_TLS: AUTH TLS first
    if cafile:
        ftp.prot_p()
    ftp.voidcmd("TYPE I")
    ftp.set_pasv(not active)
    return ftp


def main(argv):
    active = "--active" in argv
    args = [a for a in argv if a != "--active"]
    cafile = None
    if "--tls" in args:
        i = args.index("--tls")
        if i + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            return 2
        cafile = args[i + 1]
        del args[i : i + 2]
    if len(args) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    mode, host, port, a, b = args
    ftp = connect(host, port, active, cafile)
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
