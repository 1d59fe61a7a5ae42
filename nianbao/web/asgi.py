"""ASGI entry point for process managers: ``uvicorn nianbao.web.asgi:app`` (settings from NIANBAO_* env)."""

from nianbao.web.app import create_app, warm_up

app = create_app()
warm_up()
