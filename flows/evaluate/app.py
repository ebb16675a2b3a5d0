import typer

evaluate_app = typer.Typer(no_args_is_help=True, help="Measure extraction quality against gold data.")
