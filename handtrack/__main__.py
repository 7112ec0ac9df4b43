"""``python -m handtrack`` runs the CLI."""

from handtrack.cli import main

if __name__ == "__main__":
    main()
