#!/bin/sh
# Install and prepare the services the integration tests talk to:
#   - Dovecot (IMAP + LMTP) and OpenSMTPD, started per test session by tests/mailserver.py
#     (openssl makes Dovecot's test certificate; unshare/nsenter come with util-linux)
#   - PostgreSQL on 127.0.0.1:5432
#   - Chromium (and a font): the report test opens the HTML report in it headless, the
#     staff console's browser tests drive it with Playwright; the Pango libraries WeasyPrint
#     renders the report's PDF with
# Idempotent and non-interactive; run as root (CI runs it on a fresh Debian machine).
set -eu

export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

missing=""
for pkg in dovecot-imapd dovecot-lmtpd opensmtpd openssl chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

if [ -n "$missing" ]; then
    echo "install-test-services: installing$missing"
    # Keep the packages' maintainer scripts from starting the system services: the tests
    # start their own instances, and only one OpenSMTPD may hold /var/run/smtpd.sock.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        created_policy=1
    fi
    $SUDO apt-get update -q
    # opensmtpd asks for the mail name through debconf; answer it up front.
    echo "opensmtpd opensmtpd/mailname string localhost" | $SUDO debconf-set-selections
    $SUDO apt-get install -y -q --no-install-recommends $missing
    if [ "$created_policy" -eq 1 ]; then
        $SUDO rm -f "$policy"
    fi
else
    echo "install-test-services: dovecot, opensmtpd, openssl and chromium already installed"
fi

# Debian's opensmtpd does not ship its spool: smtpd creates it on its first start, which
# policy-rc.d above prevented. The tests bind-mount a private spool onto it.
$SUDO mkdir -p /var/spool/smtpd
$SUDO chmod 711 /var/spool/smtpd

# Whatever the packages may have started, stop it and keep it from coming back.
# smtpd writes /run/smtpd.pid even in the foreground, and the init script stops whatever that
# file names: if it is a test instance (config in a leertraject-mail-* temp folder), leave it.
test_smtpd_running() {
    pid="$(cat /run/smtpd.pid 2>/dev/null)" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "leertraject-mail-"
}
for svc in dovecot opensmtpd; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$svc" ]; then
        if [ "$svc" = opensmtpd ] && test_smtpd_running; then
            echo "install-test-services: a test OpenSMTPD is running; not touching it"
        else
            $SUDO "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
        fi
        if command -v update-rc.d >/dev/null 2>&1; then
            $SUDO update-rc.d "$svc" disable >/dev/null 2>&1 || true
        fi
    fi
done
# An OpenSMTPD started some other way would still hold the fixed control socket, and the
# tests' own OpenSMTPD could not start; smtpctl has no "stop", so say so plainly.
if ! test_smtpd_running && command -v smtpctl >/dev/null 2>&1 \
    && $SUDO smtpctl show status >/dev/null 2>&1; then
    echo "install-test-services: warning: an OpenSMTPD is running and holds" \
        "/var/run/smtpd.sock; stop it, or the mail tests cannot start theirs" >&2
fi

# PostgreSQL on 127.0.0.1:5432.
if command -v pg_isready >/dev/null 2>&1; then
    if ! pg_isready -q -h 127.0.0.1; then
        version="$(ls /etc/postgresql | sort -V | tail -n 1)"
        echo "install-test-services: starting PostgreSQL $version"
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
        i=0
        until pg_isready -q -h 127.0.0.1; do
            i=$((i + 1))
            if [ "$i" -ge 30 ]; then
                echo "install-test-services: PostgreSQL did not come up" >&2
                exit 1
            fi
            sleep 1
        done
    fi
    echo "install-test-services: PostgreSQL is up on 127.0.0.1:5432"
else
    echo "install-test-services: pg_isready not found; PostgreSQL is not installed" >&2
    exit 1
fi

# axe-core from the npm registry, for the console's accessibility test, into the project's
# own folder (tests/web/axe/node_modules, not committed), at the version of its lock file.
axe_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/web/axe"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "install-test-services: installing axe-core in tests/web/axe"
        (cd "$axe_dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
        echo "install-test-services: npm not found; the accessibility test cannot run" >&2
    fi
fi
