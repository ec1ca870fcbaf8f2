import pytest

from tests.integration.engine import Engine


@pytest.fixture
def engine(store, queue, settings, registry, clock) -> Engine:
    return Engine(store, queue, settings, registry, clock)
