"""The production chain as docker-compose.yml wires it: nginx with the committed config in front of gunicorn.

Runs the real nginx binary on the files in deploy/nginx/ (only the addresses and paths of the containers are
replaced by temporary ones) and gunicorn with the production settings. Needs nginx (apt-get install nginx-light)
and openssl; CI installs them (REQUIRE_COMPOSE=1), elsewhere the test skips and says why.
"""

import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import require_or_skip

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "deploy" / "nginx"
# What gunicorn saw: the headers nginx set, one line per request.
ACCESS_FORMAT = "%(U)s proto=%({x-forwarded-proto}i)s for=%({x-forwarded-for}i)s id=%({x-request-id}i)s host=%({host}i)s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"port {port} did not open:\n{log.read_text()}")


def localised(config: str, *, tmp: Path, ports: dict[int, int], upstream: int) -> str:
    """The committed config with the container's addresses and paths replaced by the test's own."""
    config = config.replace("server web:8000;", f"server 127.0.0.1:{upstream};")
    config = re.sub(r"^\s*listen \[::\]:.*$", "", config, flags=re.M)  # the test machine may have no IPv6
    for inside, outside in ports.items():
        config = config.replace(f"listen {inside} ", f"listen 127.0.0.1:{outside} ")
    return (
        config.replace("/etc/nginx/certs/", f"{tmp}/certs/")
        .replace("/etc/nginx/portal-locations.conf", f"{tmp}/portal-locations.conf")
        .replace("/var/log/nginx/access.log", f"{tmp}/access.log")
        .replace("/srv/static/", f"{tmp}/static/")
    )


@pytest.fixture
def chain(tmp_path, request):
    """nginx + gunicorn; `https` as docker-compose.yml, `http` as the trial of docker-compose.http.yml."""
    mode = getattr(request, "param", "https")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx or not shutil.which("openssl"):
        require_or_skip("REQUIRE_COMPOSE", "nginx or openssl is not installed (apt-get install nginx-light openssl)")
    (tmp_path / "certs").mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(tmp_path / "certs" / "privkey.pem"), "-out", str(tmp_path / "certs" / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    ports = {80: free_port(), 443: free_port()}
    upstream = free_port()
    (tmp_path / "portal-locations.conf").write_text(localised((NGINX_DIR / "portal-locations.conf").read_text(), tmp=tmp_path, ports=ports, upstream=upstream))
    site = localised((NGINX_DIR / f"{mode}.conf").read_text(), tmp=tmp_path, ports=ports, upstream=upstream)
    # Started as root, nginx's workers would drop to "nobody", who may not read pytest's private temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n{site}\n}}\n"
    )
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3",  # never migrated: /health/ must say so
        "STATIC_ROOT": str(tmp_path / "static"),
        "TRUSTED_PROXY_COUNT": "1",
        "TRUSTED_PROXY_ADDRESSES": "127.0.0.1/32",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    if mode == "http":  # what docker-compose.http.yml sets
        env |= {"SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0"}
    env.pop("REDIS_URL", None)
    # What the migrate service does before web starts: hashed names and their manifest.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    gunicorn_log, nginx_log = tmp_path / "gunicorn.log", tmp_path / "nginx.out"
    processes = []
    with gunicorn_log.open("w") as out:
        command = [sys.executable, "-m", "gunicorn", "roadmap_portal.wsgi:application", "--bind", f"127.0.0.1:{upstream}", "--workers", "1"]
        command += ["--access-logfile", str(tmp_path / "gunicorn-access.log"), "--access-logformat", ACCESS_FORMAT]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
    wait_for_port(upstream, processes[0], gunicorn_log)
    with nginx_log.open("w") as out:
        processes.append(subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf")], stdout=out, stderr=subprocess.STDOUT))
    wait_for_port(ports[443 if mode == "https" else 80], processes[1], tmp_path / "error.log")
    yield {"http": ports[80], "https": ports[443], "access": tmp_path / "gunicorn-access.log"}
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


def get(port: int, path: str, *, tls: bool, headers: dict | None = None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's self-signed certificate
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=20)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", path, headers={"Host": "localhost", **(headers or {})})
    response = connection.getresponse()
    response.text = response.read().decode(errors="replace")
    connection.close()
    return response


def test_nginx_sends_plain_http_to_https_and_serves_the_portal_over_tls(chain):
    plain = get(chain["http"], "/accounts/login/", tls=False)
    assert plain.status == 301
    assert plain.getheader("Location") == "https://localhost/accounts/login/"

    page = get(chain["https"], "/accounts/login/", tls=True)
    assert page.status == 200, page.text[:500]  # no redirect loop: Django trusts X-Forwarded-Proto from nginx
    assert "Вход в портал" in page.text
    assert "Secure" in page.getheader("Set-Cookie", "")
    assert page.getheader("Strict-Transport-Security", "").startswith("max-age=")
    assert re.fullmatch(r"[0-9a-f]{32}", page.getheader("X-Request-ID", "")), "nginx's $request_id reaches Django and comes back"


def test_nginx_overwrites_a_forged_forwarded_for_and_sets_the_scheme(chain):
    get(chain["https"], "/accounts/login/", tls=True, headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "http"})

    deadline = time.monotonic() + 10
    while "/accounts/login/" not in chain["access"].read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # gunicorn writes the line after the response has gone
    seen = chain["access"].read_text()  # what gunicorn received, one line per request
    assert "/accounts/login/ proto=https for=127.0.0.1 " in seen, seen
    assert "6.6.6.6" not in seen


def test_nginx_serves_the_collected_static_files_the_pages_name(chain):
    page = get(chain["https"], "/accounts/login/", tls=True)
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.text).group(1)

    response = get(chain["https"], stylesheet, tls=True)

    assert response.status == 200 and "Portal styles" in response.text
    assert response.getheader("Content-Type") == "text/css"
    assert "immutable" in response.getheader("Cache-Control", "")
    assert response.getheader("Content-Security-Policy") is None  # not Django's response


def test_health_answers_over_plain_http_for_monitoring_and_names_unapplied_migrations(chain):
    response = get(chain["http"], "/health/", tls=False)

    assert response.status == 503  # the fixture's database was never migrated
    assert '"failing": ["migrations"]' in response.text


@pytest.mark.parametrize("chain", ["http"], indirect=True)
def test_the_http_only_trial_serves_the_portal_on_port_80_without_redirects(chain):
    page = get(chain["http"], "/accounts/login/", tls=False)

    assert page.status == 200, page.text[:500]
    assert "Вход в портал" in page.text
    assert "csrftoken=" in page.getheader("Set-Cookie", "") and "Secure" not in page.getheader("Set-Cookie", "")
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.text).group(1)
    assert get(chain["http"], stylesheet, tls=False).status == 200
