"""Field-by-field difference between two intake revisions.

Skills are matched by name, so renaming the priority of one skill reads as one change
(`skills.Python.priority`), not as the whole list replaced.
"""

from __future__ import annotations

from typing import Any

from app.domain.roles.schemas import IntakeChange, IntakeContent


def _flatten(content: IntakeContent) -> dict[str, Any]:
    """Dotted paths to values; a null or absent value has no path, so setting one reads as
    `added` and clearing one as `removed`."""
    flat: dict[str, Any] = {}
    for key, value in content.model_dump(mode="json").items():
        if key == "skills":
            for skill in value:
                flat[f"skills.{skill['name']}"] = {k: v for k, v in skill.items() if k != "name"}
        elif isinstance(value, dict):
            for sub, sub_value in value.items():
                if sub_value is not None:
                    flat[f"{key}.{sub}"] = sub_value
        elif value is not None:
            flat[key] = value
    return flat


def diff_intake(before: IntakeContent, after: IntakeContent) -> list[IntakeChange]:
    old, new = _flatten(before), _flatten(after)
    changes: list[IntakeChange] = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            changes.append(IntakeChange(field=key, change="removed", before=old[key]))
        elif key not in old:
            changes.append(IntakeChange(field=key, change="added", after=new[key]))
        elif old[key] != new[key]:
            if key.startswith("skills.") and isinstance(old[key], dict):
                for sub in sorted(old[key].keys() | new[key].keys()):
                    if old[key].get(sub) != new[key].get(sub):
                        changes.append(
                            IntakeChange(
                                field=f"{key}.{sub}",
                                change="changed",
                                before=old[key].get(sub),
                                after=new[key].get(sub),
                            )
                        )
            else:
                changes.append(
                    IntakeChange(field=key, change="changed", before=old[key], after=new[key])
                )
    return changes
