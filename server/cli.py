"""The `pgarchitect` command: serve (stdio or HTTP), demo, review (a CI gate) and doctor.

stdout carries the product (the MCP stream, or the demo report); logs go to stderr.
Exit status: 0 fine, 1 the review found errors, 2 usage, configuration or connection problem.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from server.config import Settings, load_settings
from server.db import (
    MaskingFilter,
    embedded_data_dir,
    error_line,
    mask_text,
    start_embedded,
)
from server.progress import cli_progress
from server.version import package_version
from tools.errors import ConfigError, PgArchitectError

log = logging.getLogger("pgarchitect")

EPILOG = """examples:
  pgarchitect serve                                   # MCP over stdio (Claude Code)
  pgarchitect serve --transport http --port 8765      # MCP over streamable HTTP
  pgarchitect demo                                    # review the sample on an embedded Postgres
  DATABASE_URL=postgresql://app@host/db pgarchitect demo --schema public
  DATABASE_URL=postgresql://app@host/db pgarchitect review --format json   # exit 1 on errors
  pgarchitect doctor                                  # is the role, extension, spec set up?
"""
# Other libraries' loggers stay at WARNING unless PGARCHITECT_LOG_MODULES names them.
THIRD_PARTY_LEVEL = logging.WARNING


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (each subcommand's --help carries an example)."""
    parser = argparse.ArgumentParser(
        prog="pgarchitect",
        description="A senior Postgres/SQLModel database architect's tools, over MCP.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pgarchitect {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the MCP server",
        epilog="example: pgarchitect serve --transport http --host 127.0.0.1 --port 8765",
    )
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default=None, help="HTTP host (default PGARCHITECT_HTTP_HOST)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default 8765)")
    demo = commands.add_parser(
        "demo",
        help="print a review of the sample schema (embedded Postgres when DATABASE_URL is unset)",
        epilog="example: pgarchitect demo   # no DATABASE_URL: embedded PostgreSQL + sample",
    )
    demo.add_argument("--schema", default=None, help="schema to review (default: the sample's)")
    demo.add_argument(
        "--load-sample",
        action="store_true",
        help="load the sample schema into DATABASE_URL too (it writes: drops schema taskly)",
    )
    demo.add_argument(
        "--details", action="store_true", help="every finding with its evidence and fix"
    )
    review = commands.add_parser(
        "review",
        help="check DATABASE_URL against the spec, for isolation and indexes (a CI gate)",
        epilog="example: DATABASE_URL=postgresql://app@host/db pgarchitect review --format "
        "markdown > review.md   # exit 1 on error-severity findings",
    )
    review.add_argument("--schema", default="public", help="schema to review (default public)")
    review.add_argument("--tenant-column", default=None, help="e.g. org_id (default: detected)")
    review.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        dest="output",
        help="text (default), markdown (a pull-request comment) or json",
    )
    review.add_argument(
        "--no-spec",
        action="store_true",
        help="review without the spec (otherwise a missing spec is an error, exit 2)",
    )
    doctor = commands.add_parser(
        "doctor",
        help="check the connection, the role, the extensions, the spec and the MCP set-up",
        epilog="example: DATABASE_URL=postgresql://app@host/db pgarchitect doctor   # exit 0/1/2",
    )
    doctor.add_argument("--format", choices=["text", "json"], default="text", dest="output")
    return parser


def log_levels(level: str, modules: str = "") -> dict[str, int]:
    """Logger levels: PGARCHITECT_LOG_LEVEL for pgarchitect's own loggers, and for each logger
    PGARCHITECT_LOG_MODULES names (`mcp,httpx=DEBUG`) the level given or that same one."""
    levels = {"pgarchitect": _level(level)}
    for part in filter(None, (p.strip() for p in modules.split(","))):
        name, _, own = part.partition("=")
        levels[name.strip()] = _level(own) if own.strip() else levels["pgarchitect"]
    return levels


def _level(text: str) -> int:
    value = logging.getLevelName(text.strip().upper())
    if not isinstance(value, int):
        raise ConfigError(
            f"PGARCHITECT_LOG_MODULES: unknown level {text.strip()!r}; use DEBUG, INFO, WARNING "
            "or ERROR, e.g. PGARCHITECT_LOG_MODULES='mcp,httpx=DEBUG'"
        )
    return value


def configure_logging(settings: Settings) -> None:
    """Logs to stderr only (stdout is the stdio transport); third-party loggers at WARNING
    unless PGARCHITECT_LOG_MODULES names them."""
    levels = log_levels(settings.log_level, settings.log_modules)
    logging.basicConfig(
        stream=sys.stderr,
        level=THIRD_PARTY_LEVEL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in logging.getLogger().handlers:
        token = settings.http_token.get_secret_value() if settings.http_token else ""
        handler.addFilter(MaskingFilter(settings.database_url, (token,)))


def database_url(settings: Settings) -> str:
    """DATABASE_URL, or the URL of the embedded server started for this process."""
    if settings.database_url:
        return settings.database_url
    return start_embedded(embedded_data_dir(settings.embedded_data_dir))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the MCP server until the client goes away."""
    from server.app import build_server

    if args.transport == "stdio":
        build_server(settings, own_process=True).run("stdio")
        return 0
    from server.http import check_exposure, serve_http

    host, port = args.host or settings.http_host, args.port or settings.http_port
    check_exposure(host, settings)  # before anything starts: no token, no public address
    server = build_server(settings, own_process=True)
    serve_http(server, settings, host, port)  # says "listening on" once bound
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load the sample when running embedded (or asked to) and print the review."""
    from server.demo import SAMPLE_SCHEMA, load_sample, run_demo, sample_file

    url = database_url(settings)
    embedded = settings.database_url is None
    schema = args.schema or (SAMPLE_SCHEMA if embedded or args.load_sample else "public")
    spec_path, project_root = settings.resolved_spec_path, settings.project_root
    if embedded or args.load_sample:
        load_sample(url, settings=settings)
        spec_path = Path(tempfile.mkdtemp(prefix="pgarchitect-demo-")) / "schema.md"
        spec_path.write_text(sample_file("schema.md"), encoding="utf-8")
        project_root = spec_path.parent  # the sample's: its spec, and no models
        print(f"loaded the sample schema {SAMPLE_SCHEMA!r} and its spec", file=sys.stderr)
    with cli_progress():
        return run_demo(
            url,
            schema,
            spec_path,
            details=args.details,
            project_root=project_root,
            settings=settings,
        )


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    """Print the review of DATABASE_URL; exit 1 on error-severity findings."""
    from server.review import run_review

    with cli_progress():
        return run_review(
            settings, args.schema, args.tenant_column, args.output, no_spec=args.no_spec
        )


def cmd_doctor(args: argparse.Namespace, settings: Settings | None) -> int:
    """Print each set-up check with its fix; 0 all ok, 1 warnings, 2 failures."""
    import json

    from server.doctor import Check, doctor_json, exit_status, render_doctor, run_doctor

    if settings is None:  # the configuration itself is broken: say so as a check
        try:
            load_settings()
        except PgArchitectError as err:
            checks = [Check("configuration", "fail", mask_text(str(err)))]
    else:
        try:
            url = database_url(settings)
        except PgArchitectError as err:
            checks = [Check("connection", "fail", mask_text(str(err)))]
        else:
            checks = run_doctor(settings, url, embedded=settings.database_url is None)
    if args.output == "json":
        print(json.dumps(doctor_json(checks), indent=1))
    else:
        print(render_doctor(checks))
    return exit_status(checks)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "doctor":
            return _doctor(args)
        settings = load_settings()
        configure_logging(settings)
        handler = {"serve": cmd_serve, "demo": cmd_demo, "review": cmd_review}[args.command]
        return handler(args, settings)
    except PgArchitectError as err:
        print(f"error: {mask_text(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
        return 0
    except Exception as err:  # the CLI edge: one line, masked, never a traceback
        import psycopg

        log.debug("unexpected error", exc_info=err)
        first = error_line(err, "")
        if isinstance(err, psycopg.OperationalError):
            print(f"error: cannot connect: {mask_text(first)}", file=sys.stderr)
        else:
            print(
                f"error: {type(err).__name__}: {mask_text(first)} "
                "(PGARCHITECT_LOG_LEVEL=DEBUG shows the details)",
                file=sys.stderr,
            )
        return 2


def _doctor(args: argparse.Namespace) -> int:
    """doctor reports a broken configuration as one of its checks, not as an error line."""
    try:
        settings: Settings | None = load_settings()
    except PgArchitectError:
        settings = None
    if settings is not None:
        configure_logging(settings)
    return cmd_doctor(args, settings)


if __name__ == "__main__":
    sys.exit(main())
