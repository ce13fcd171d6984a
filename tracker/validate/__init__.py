"""The one set of checks, used by loading (`tracker.store.load`) and by every write (`tracker.add`,
which validates the edited text in memory, as an overlay on a load, before it touches the disk).

- `hints`: "did you mean", built in one place.
- `schema`: a file's schema errors translated into located, plain-English problems.
- `checks`: the checks across files (ids, references, dates, quotes, duplicates) as plain functions,
  each with its message.

Nothing is imported here, so that `tracker.problems` can import `hints` without a cycle.
"""
