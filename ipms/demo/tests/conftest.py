from ipms.learning.tests import conftest as learning_fixtures

# The learning demo's tests use the learning app's video fixture.
mp4_bytes = learning_fixtures.mp4_bytes
