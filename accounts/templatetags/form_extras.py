from django import template

register = template.Library()


@register.simple_tag
def accessible_widget(field, **extra):
    """Render a widget with its help text and errors tied by aria-describedby."""
    describedby = []
    if field.help_text:
        describedby.append(f"{field.auto_id}_help")
    if field.errors:
        describedby.append(f"{field.auto_id}_errors")
    attrs = dict(extra)
    if describedby:
        attrs["aria-describedby"] = " ".join(describedby)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
