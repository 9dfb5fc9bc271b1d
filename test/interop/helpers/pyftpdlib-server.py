#!/usr/bin/env python3
# pyftpdlib server of the interop suite (test/interop/helpers/servers.ts starts
# it): 127.0.0.1 only, the suite's control port and passive range, the virtual
# user tftpuser (DummyAuthorizer; password from $TFTP_INTEROP_PASSWORD) and, when
# asked, anonymous, both reading the root and writing its upload folder only.
# With --cert/--key: explicit FTPS (TLS_FTPHandler, pyOpenSSL), required for
# the login and for data. Runs in the foreground, as --run-as once the listening
# socket and the TLS key (readable by root only) are loaded.
import argparse
import logging
import os
import pwd
import sys
import warnings

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

READ = 'elr'  # CWD, LIST/NLST/MLSD, RETR (and SIZE, MDTM)
WRITE = 'elradfmwMT'  # + APPE, DELE, RNFR/RNTO, MKD, STOR, SITE CHMOD, MFMT


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--pasv-min', type=int, required=True)
    p.add_argument('--pasv-max', type=int, required=True)
    p.add_argument('--root', required=True)
    p.add_argument('--upload', required=True, help='writable folder inside the root')
    p.add_argument('--user', required=True)
    p.add_argument('--anonymous', action='store_true')
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--run-as', help='system user to switch to after start-up')
    a = p.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format='%(asctime)s %(message)s')
    # Anonymous may write, but only into the upload folder: that is meant.
    warnings.filterwarnings('ignore', 'write permissions assigned to anonymous user')
    auth = DummyAuthorizer()
    auth.add_user(a.user, os.environ['TFTP_INTEROP_PASSWORD'], a.root, perm=READ)
    auth.override_perm(a.user, a.upload, perm=WRITE, recursive=True)
    if a.anonymous:
        auth.add_anonymous(a.root, perm=READ)
        auth.override_perm('anonymous', a.upload, perm=WRITE, recursive=True)

    if a.cert:
        from pyftpdlib.handlers import TLS_FTPHandler
        handler = TLS_FTPHandler
        handler.certfile = a.cert
        handler.keyfile = a.key
        handler.tls_control_required = True
        handler.tls_data_required = True
        # Loaded now, while the key file can still be read.
        handler.get_ssl_context()
    else:
        handler = FTPHandler
    handler.authorizer = auth
    handler.passive_ports = range(a.pasv_min, a.pasv_max + 1)
    handler.banner = 'tftp interop pyftpdlib ready.'

    server = FTPServer(('127.0.0.1', a.port), handler)
    # pyftpdlib's CWD returns to the process's own working folder after each
    # check: one the run-as user can enter (a checkout under a private folder
    # is not), or every CWD ends the session.
    os.chdir(a.root)
    if a.run_as:
        u = pwd.getpwnam(a.run_as)
        os.setgroups([])
        os.setgid(u.pw_gid)
        os.setuid(u.pw_uid)
    server.serve_forever()


if __name__ == '__main__':
    main()
