"""Transport and input errors: TLS, basic auth, unreachable servers, bad options.

The TLS/basic-auth tests run the real prometheus with a --web.config.file (a self-signed
certificate made with openssl, a bcrypt hash of a test-only password).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from preview_support import CATALOG, RULES_DIR, free_port
from typer.testing import CliRunner

from obskit.cli import app
from obskit.preview.auth import AuthError, resolve_credentials

#: bcrypt (cost 4) of PASSWORD; a test-only credential
PASSWORD = "preview-test-password"
PASSWORD_HASH = "$2b$04$bh1zkpSf/tbviDoQFMXNX.4jlXNFZmCpwXj/VoJfFd1HYE0JAcpWm"
BASE = [str(CATALOG), "--rules", str(RULES_DIR), "-s", "cart", "--since", "0"]


def preview(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["preview", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(err: str) -> str:
    assert err.startswith("obskit: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_unreachable_server_is_one_line_exit_3() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    code, out, err = preview(*BASE, "--prometheus", f"http://127.0.0.1:{port}")
    assert code == 3
    assert out == ""
    assert "is unreachable: connection refused" in one_line_error(err)
    assert time.monotonic() - started < 10


def test_unknown_host_is_one_line_exit_3() -> None:
    code, _, err = preview(
        *BASE, "--prometheus", "http://no-such-host.invalid:9090", "--timeout", "3"
    )
    assert code == 3
    assert "unreachable" in one_line_error(err)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--prometheus", "localhost:9090"], {}, "use an http:// or https:// URL"),
        (["--prometheus", "http://x", "--since", "7days"], {}, "--since"),
        (["--prometheus", "http://x", "--since", "7d", "--step", "15s"], {}, "larger --step"),
        (["--prometheus", "http://x", "--token-env", "OBSKIT_NO_SUCH_VAR"], {}, "not set"),
        (["--prometheus", "http://x", "--user", "me"], {}, "--password-env"),
        (["--prometheus", "http://x", "--ca-file", "/nonexistent/ca.pem"], {}, "--ca-file"),
        (["-s", "chekout", "--prometheus", "http://x"], {}, 'did you mean "checkout"'),
        ([], {}, "--prometheus URL is required"),
    ],
)
def test_bad_input_exits_2(args: list[str], env: dict[str, str], message: str) -> None:
    code, _, err = preview(str(CATALOG), "--rules", str(RULES_DIR), *args, env=env)
    assert code == 2
    assert message in one_line_error(err)


def test_credentials_come_from_env_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROM_TOKEN", "abc\n")
    assert resolve_credentials(token_env="PROM_TOKEN").headers == {"Authorization": "Bearer abc"}
    token = tmp_path / "token"
    token.write_text("from-file\n")
    creds = resolve_credentials(token_file=token)
    assert creds.headers == {"Authorization": "Bearer from-file"}
    assert "from-file" not in repr(creds)
    monkeypatch.setenv("PROM_PASSWORD", "pw")
    assert resolve_credentials(user="u", password_env="PROM_PASSWORD").basic == ("u", "pw")
    with pytest.raises(AuthError, match="one of"):
        resolve_credentials(token_env="PROM_TOKEN", user="u")
    with pytest.raises(AuthError, match="empty"):
        (tmp_path / "empty").write_text("")
        resolve_credentials(token_file=tmp_path / "empty")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory):
    """prometheus serving https with basic auth: (url, ca file)."""
    binary, openssl = shutil.which("prometheus"), shutil.which("openssl")
    if not binary or not openssl:
        pytest.skip("prometheus or openssl not on PATH")
    work = tmp_path_factory.mktemp("tls")
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    web = work / "web.yml"
    web.write_text(
        f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n"
        f"basic_auth_users:\n  preview: '{PASSWORD_HASH}'\n"
    )
    (work / "prometheus.yml").write_text("global: {}\n")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.config.file={web}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = requests.get(f"{url}/-/ready", verify=str(cert), auth=("preview", PASSWORD))
                if r.status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "TLS prometheus did not start"
            assert process.poll() is None, "TLS prometheus exited"
            time.sleep(0.2)
        yield url, cert
    finally:
        process.terminate()
        process.wait(timeout=10)


AUTH = ["--user", "preview", "--password-env", "PROM_PASSWORD"]


def auth_env(password: str = PASSWORD) -> dict[str, str]:
    """The password, and a system CA bundle in REQUESTS_CA_BUNDLE: requests would let it
    override our --ca-file / --insecure-skip-verify on calls that do not pass `verify`."""
    import certifi

    return {"PROM_PASSWORD": password, "REQUESTS_CA_BUNDLE": certifi.where()}


@pytest.mark.prometheus
def test_tls_is_verified_by_default(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    code, _, err = preview(*BASE, "--prometheus", url, *AUTH, env=auth_env())
    assert code == 3
    assert "certificate verify failed" in one_line_error(err)


@pytest.mark.prometheus
def test_ca_file_and_basic_auth(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    args = [*BASE, "--prometheus", url, "--ca-file", str(cert), "--output", "json", *AUTH]
    code, out, err = preview(*args, env=auth_env())
    # connected and queried: the server holds no data, so the metric check fails (exit 1)
    assert code == 1, err
    doc = json.loads(out)
    assert doc["prometheus"] == url and doc["failedChecks"] and not doc["failedAlerts"]
    code, _, err = preview(*args, env=auth_env("wrong"))
    assert code == 3
    assert "HTTP 401" in one_line_error(err)


@pytest.mark.prometheus
def test_insecure_skip_verify(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    args = [*BASE, "--prometheus", url, "--insecure-skip-verify", *AUTH]
    code, out, err = preview(*args, env=auth_env())
    assert code == 1, err  # an empty server: the metric check fails
    assert "Metric check" in out and "metric checks failed" in out
