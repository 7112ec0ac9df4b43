"""The ``handtrack`` command line (typer).

Every user mistake (missing file, corrupt recording, unknown profile, no camera, an output path that cannot be
written) prints one line on stderr and exits with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import logging
import sys

import typer

from handtrack.cli import bench, demo, doctor, eval, export, info, live, record, replay, train
from handtrack.cli.common import STATE, error_console
from handtrack.errors import HandtrackError

app = typer.Typer(
    name="handtrack", add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Real-time 3D hand tracking from a RealSense depth camera.",
)


def _print_version(value: bool) -> None:
    if value:
        from handtrack import __version__

        typer.echo(f"handtrack {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks and debug logging."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress (INFO)."),
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    STATE.debug = debug
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


app.command("demo")(demo.demo)
app.command("doctor")(doctor.doctor)
app.command("info")(info.info)
app.command("live")(live.live)
app.command("record")(record.record)
app.command("replay")(replay.replay)
app.command("export")(export.export)
app.command("bench")(bench.bench)
app.command("eval")(eval.eval_command)
app.command("train")(train.train_command)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except HandtrackError as exc:
        if STATE.debug:
            raise
        error_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except OSError as exc:
        # a file or folder the user named that cannot be read or written (an output under a file, a folder
        # without permission, a full disk): one line naming it; an OSError naming no file is a bug and shows
        if STATE.debug or exc.filename is None:
            raise
        error_console.print(f"error: {exc.filename}: {exc.strerror or exc}", markup=False, highlight=False,
                            soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        error_console.print("interrupted", markup=False)
        sys.exit(130)
