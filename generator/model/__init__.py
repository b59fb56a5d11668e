"""Model stage: validated, typed incidents and the public view of them.

The package itself imports nothing: the site config (``model.config``) is read by every build, the
incident models only when something must be validated or rendered (they take a third of a no-op
build's start-up to define).
"""

from __future__ import annotations
