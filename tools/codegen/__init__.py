"""`generate_model`: SQLModel classes from the spec or the live database."""

from tools.codegen.generate import GeneratedModels, generate_code, generate_model, render_codegen

__all__ = ["GeneratedModels", "generate_code", "generate_model", "render_codegen"]
