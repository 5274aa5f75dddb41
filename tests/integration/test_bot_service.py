"""`leertraject run` as a separate process with a bot token and the stand-in's base URL: a
real conversation end to end, and the confirmation e-mail it causes; and in webhook mode,
Telegram's POSTs taken by the console's server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from app.bootstrap import bootstrap
from app.config import Settings
from tests.bot_harness import invite, standin, text_of
from tests.telegram_standin import BotMessage, ScriptedUser, TelegramStandIn

__all__ = ["standin"]
LEERTRAJECT = [sys.executable, "-m", "app"]


def _environment(tmp_path: Path, standin: TelegramStandIn | None) -> dict[str, str]:
    environment = {
        **os.environ,
        "LEERTRAJECT_DATABASE__URL": f"sqlite:///{tmp_path / 'leertraject.db'}",
        "LEERTRAJECT_MAIL__MAILDIR": str(tmp_path / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    environment.pop("TELEGRAM_BOT_TOKEN", None)
    if standin is not None:
        environment["TELEGRAM_BOT_TOKEN"] = standin.token
        environment["LEERTRAJECT_TELEGRAM__BASE_URL"] = standin.base_url
    return environment


def _cli(environment: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*LEERTRAJECT, *args], capture_output=True, text=True, env=environment, timeout=120
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout + done.stderr


def _say(user: ScriptedUser, text: str, expect: str) -> BotMessage:
    user.send_text(text)
    return user.wait_for_reply(lambda m: expect in text_of(m), timeout=30)


def _tap(user: ScriptedUser, button: str, expect: str) -> BotMessage:
    user.tap(button)
    shown = user.wait_for_reply(lambda m: expect in text_of(m), timeout=30)
    user.wait_for_answer(timeout=30)
    return shown


def test_leertraject_run_serves_a_conversation_end_to_end(
    tmp_path: Path, standin: TelegramStandIn, base_settings: Settings
) -> None:
    environment = _environment(tmp_path, standin)
    database = base_settings.database.model_copy(
        update={"url": environment["LEERTRAJECT_DATABASE__URL"]}
    )
    app = bootstrap(base_settings.model_copy(update={"database": database}), migrate=True)
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "Inv1t3-An")

    service = subprocess.Popen(
        [*LEERTRAJECT, "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        standin.wait_until(lambda: standin.long_polling, timeout=60, what="the bot to poll")
        user = standin.user(first_name="An", language_code="nl")
        _say(user, "/start Inv1t3-An", "Stap 1 van 6")
        _say(user, "Centrummanager", "Stap 2 van 6")
        _say(user, "-", "Stap 3 van 6")
        for theme in ("t:09", "t:11", "t:03"):
            _tap(user, theme, "Uw keuze")
        _tap(user, "t:done", "Stap 4 van 6")
        for step in ("Stap 5", "Stap 6", "Controleer uw inschrijving"):
            _say(user, "-", step)
        done = _tap(user, "✅ Bevestigen", "Bedankt!")
        assert "Referentie: LT-" in text_of(done)
    finally:
        service.send_signal(signal.SIGINT)
        output, _ = service.communicate(timeout=60)
    assert service.returncode == 0, output
    assert "telegram bot (polling, 127.0.0.1)" in output
    with app.uow() as uow:
        told = {(m.channel.value, m.recipient, m.kind) for m in uow.outbox.list()}
    app.close()
    assert ("email", "an.peeters@stad.gent", "registration.confirmed") in told
    standin.assert_no_violations()


def test_without_a_token_the_service_runs_its_other_channels_and_says_so(
    tmp_path: Path,
) -> None:
    output = _cli(_environment(tmp_path, None), "run", "--once")
    assert output.count("Telegram bot not started: TELEGRAM_BOT_TOKEN is not set") == 1
    assert "telegram bot (" not in output


def test_leertraject_run_takes_the_webhook_on_the_consoles_server(
    tmp_path: Path, standin: TelegramStandIn
) -> None:
    with socket.socket() as probe:  # a free port for web.listen
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **_environment(tmp_path, standin),
        "LEERTRAJECT_TELEGRAM__MODE": "webhook",
        "LEERTRAJECT_TELEGRAM__WEBHOOK_URL": "https://bot.vlaio.example/telegram/hook",
        "TELEGRAM_WEBHOOK_SECRET": "webhook-s3cret",
        "LEERTRAJECT_WEB__LISTEN": f"127.0.0.1:{port}",
        "LEERTRAJECT_LOGGING__LEVEL": "DEBUG",
    }
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            answer = httpx.get(f"{base}/health/ready", timeout=5)
        except httpx.TransportError:
            return False
        return answer.status_code == 200 and "heartbeat:telegram bot" in answer.json()["checks"]

    service = subprocess.Popen(
        [*LEERTRAJECT, "run"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        standin.wait_until(ready, timeout=60, what="the service to be ready")
        [registered] = standin.calls_of("setWebhook")
        assert registered["secret_token"] == "webhook-s3cret"
        user = standin.user(first_name="An", language_code="nl")
        update = user.send_text("/start")
        url = f"{base}/telegram/hook"
        assert httpx.post(url, json=update).status_code == 401
        secret = {"X-Telegram-Bot-Api-Secret-Token": "webhook-s3cret"}
        assert httpx.post(url, json=update, headers=secret, timeout=30).status_code == 200
        user.wait_for_reply(lambda m: "Stap 1 van 10" in text_of(m), timeout=30)
    finally:
        service.send_signal(signal.SIGINT)
        output, _ = service.communicate(timeout=60)
    assert service.returncode == 0, output
    assert b"telegram bot (webhook, 127.0.0.1)" in output
    assert b"webhook-s3cret" not in output, "the secret is never logged, even at DEBUG"
    assert standin.calls_of("getUpdates") == []
    standin.assert_no_violations()
