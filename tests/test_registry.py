"""registry.py: the table of model builders."""

import pytest

from tfgan_mnist import registry


def test_registry_refuses_a_second_model_under_a_taken_name():
    with pytest.raises(ValueError, match="'vanilla_gan' is already registered"):
        registry.register("vanilla_gan")(lambda config: None)


def test_registered_scopes_a_model_to_a_with_block():
    from tfgan_mnist import config as config_lib
    from tfgan_mnist import variants

    from tfgan_mnist.variants import vanilla_gan

    built = []

    def builder(config):
        built.append(config.model)
        return vanilla_gan.build(config.replace(width=0.05, z_dim=4))

    with registry.registered("scoped_test_model", builder, "for this test"):
        assert "scoped_test_model" in variants.names()
        assert variants.describe("scoped_test_model") == "for this test"
        model = variants.build(config_lib.Config(model="scoped_test_model"))
        assert built == ["scoped_test_model"] and model.latent_dim == 4
    assert "scoped_test_model" not in variants.names()
