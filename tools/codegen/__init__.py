"""`generate_model`: SQLModel classes from the spec or the live database."""

from tools.codegen.files import write_module
from tools.codegen.generate import (
    generate_code,
    generate_model,
    generate_model_from_spec,
    render_codegen,
)
from tools.codegen.models import GeneratedClass, GeneratedField, GeneratedModels

__all__ = [
    "GeneratedClass",
    "GeneratedField",
    "GeneratedModels",
    "generate_code",
    "generate_model",
    "generate_model_from_spec",
    "render_codegen",
    "write_module",
]
