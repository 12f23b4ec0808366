import pytest
from pydantic import ValidationError

from means_check.settings import Settings


def test_production_refuses_the_development_access_log_key() -> None:
    with pytest.raises(ValidationError, match="MEANS_CHECK_ACCESS_LOG_KEY"):
        Settings(environment="production", jwt_secret="a-real-secret", kin_secret="a-real-key")
    assert Settings(environment="production", jwt_secret="a-real-secret", kin_secret="a-real-key",
                    access_log_key="another").access_log_key
