"""``python -m auditkit.frame`` prints the schema as the README's Markdown table."""

from auditkit.frame import schema_markdown

print(schema_markdown())
