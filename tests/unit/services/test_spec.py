"""Spec loading: every validation rule names field, value and what is allowed; precedence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from certfactory import make_pfx

from cmgdeploy.domain.errors import ExitCode, InputError
from cmgdeploy.services.config import ConfigFile, read_config
from cmgdeploy.services.spec import CmgSpec, load_spec

GOOD = {"name": "contosocmg", "region": "westeurope"}
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def spec_of(
    flags: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    config: Any = None,
    **kw: Any,
) -> CmgSpec:
    return load_spec({**GOOD, **(flags or {})}, env or {}, config, **kw)


def refused(
    flags: dict[str, Any] | None = None, env: dict[str, str] | None = None, config: Any = None
) -> InputError:
    with pytest.raises(InputError) as info:
        load_spec({**GOOD, **(flags or {})}, env or {}, config)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    return info.value


def test_defaults() -> None:
    spec = spec_of()
    assert (spec.name, spec.region, spec.resource_group) == (
        "contosocmg",
        "westeurope",
        "contosocmg-cmg-rg",
    )
    assert (spec.vm_size, spec.instances, spec.environment) == (
        "Standard_A2_v2",
        1,
        "AzurePublicCloud",
    )
    assert spec.verify_client_revocation and spec.enforce_tls12
    assert not spec.content_from_storage  # conservative: no cloud distribution point until asked
    assert spec.subscription is None and spec.certificate is None and spec.tags == ()


@pytest.mark.parametrize("bad", ["ab", "a" * 25, "Contoso", "con-toso", "cón", "", "con toso"])
def test_name_rule(bad: str) -> None:
    err = refused({"name": bad})
    assert err.field_name == "--name"
    assert "3–24 characters, lowercase letters and digits" in err.message


def test_name_required_and_named_in_message() -> None:
    with pytest.raises(InputError) as info:
        load_spec({"region": "westeurope"}, {}, None)
    assert info.value.field_name == "name" and "--name" in info.value.message


def test_region_required_unless_told() -> None:
    with pytest.raises(InputError, match="region"):
        load_spec({"name": "abc"}, {}, None)
    assert load_spec({"name": "abc"}, {}, None, require_region=False).region is None


@pytest.mark.parametrize("bad", ["west-europe", "west_europe", "wésteurope", "-"])
def test_region_rule(bad: str) -> None:
    err = refused({"region": bad})
    assert err.field_name == "--region" and "westeurope" in err.message


def test_region_display_name_normalised() -> None:
    assert spec_of({"region": "West Europe"}).region == "westeurope"


@pytest.mark.parametrize("bad", ["rg.", "a" * 91, "rg/x", "rg x", "rg#1", "ümlaut"])
def test_resource_group_rule(bad: str) -> None:
    err = refused({"resource_group": bad})
    assert err.field_name == "--resource-group" and "not ending in '.'" in err.message


@pytest.mark.parametrize("good", ["my-rg_1.(x)", "a", "A" * 90])
def test_resource_group_good(good: str) -> None:
    assert spec_of({"resource_group": good}).resource_group == good


@pytest.mark.parametrize(
    "bad", ["1234", "0b1f6471-1bf0-4dda-aec3-cb9272f0959", "{0b1f6471}", "x" * 36]
)
def test_subscription_rule(bad: str) -> None:
    err = refused({"subscription": bad})
    assert err.field_name == "--subscription" and "GUID" in err.message


def test_subscription_normalised() -> None:
    assert spec_of({"subscription": SUB.upper()}).subscription == SUB


@pytest.mark.parametrize("bad", ["Standard_D2s_v3", "A2", ""])
def test_vm_size_rule(bad: str) -> None:
    err = refused({"vm_size": bad})
    assert "Standard_B2s, Standard_A2_v2, Standard_A4_v2" in err.message


def test_vm_size_case_insensitive() -> None:
    assert spec_of({"vm_size": "standard_a4_V2"}).vm_size == "Standard_A4_v2"


@pytest.mark.parametrize("bad", ["17", "0", "abc", "3.5", "-1", 17, 0, 3.0, True, ""])
def test_instances_rule(bad: Any) -> None:
    env = {"CMGDEPLOY_INSTANCES": bad} if isinstance(bad, str) and bad else None
    err = refused(None if env else {"instances": bad}, env)
    assert "a whole number from 1 to 16" in err.message
    if env:
        assert err.field_name == "CMGDEPLOY_INSTANCES" and repr(bad) in err.message


@pytest.mark.parametrize("good", ["1", "16", 7, " 3 "])
def test_instances_good(good: Any) -> None:
    assert spec_of({"instances": good}).instances == int(good)


@pytest.mark.parametrize("bad", ["P0", "P001", "P-1", "é01"])
def test_site_code_rule(bad: str) -> None:
    err = refused({"site_code": bad})
    assert err.field_name == "--site-code" and "3 letters or digits" in err.message


def test_site_code_upper_cased_and_required_with_servers() -> None:
    assert spec_of({"site_code": "p01"}).site_code == "P01"
    err = refused({"connection_points": ["cp.contoso.com"]})
    assert err.field_name == "site_code"


@pytest.mark.parametrize(
    "bad", ["cp", "cp..contoso.com", "-cp.contoso.com", "cp_1.contoso.com", "c" * 64 + ".com"]
)
def test_fqdn_rule(bad: str) -> None:
    err = refused({"site_code": "P01", "connection_points": [bad]})
    assert err.field_name == "--connection-point" and "fully qualified host name" in err.message


def test_fqdns_deduplicated_and_lowercased() -> None:
    spec = spec_of(
        {
            "site_code": "P01",
            "connection_points": ["CP.contoso.com", "cp.contoso.com", "cp2.contoso.com"],
        }
    )
    assert spec.connection_points == ("cp.contoso.com", "cp2.contoso.com")


def test_http_management_point_kept_for_an_enhanced_http_site() -> None:
    spec = spec_of({"site_code": "P01", "management_points": ["http://mp.contoso.com"]})
    assert spec.management_points == ("http://mp.contoso.com",)


def test_https_prefix_accepted_and_http_sup_kept() -> None:
    spec = spec_of(
        {
            "site_code": "P01",
            "management_points": ["https://mp.contoso.com/"],
            "software_update_points": ["http://sup.contoso.com"],
        }
    )
    assert spec.management_points == ("mp.contoso.com",)
    assert spec.software_update_points == ("http://sup.contoso.com",)


def test_tags_rules() -> None:
    assert spec_of({"tags": ["b=2", "a=1"]}).tags == (("a", "1"), ("b", "2"))
    assert "key=value" in refused({"tags": ["novalue"]}).message
    assert "cannot contain" in refused({"tags": ["a/b=1"]}).message
    assert "256" in refused({"tags": ["k=" + "v" * 257]}).message
    assert "512" in refused({"tags": ["k" * 513 + "=v"]}).message
    assert "at most 50 tags" in refused({"tags": [f"k{i}=v" for i in range(51)]}).message


def test_boolean_rules() -> None:
    assert spec_of(env={"CMGDEPLOY_ENFORCE_TLS12": "no"}).enforce_tls12 is False
    assert spec_of({"content_from_storage": False}).content_from_storage is False
    err = refused(env={"CMGDEPLOY_VERIFY_CLIENT_REVOCATION": "maybe"})
    assert err.field_name == "CMGDEPLOY_VERIFY_CLIENT_REVOCATION" and "true or false" in err.message


def test_file_paths(tmp_path: Path) -> None:
    err = refused({"server_cert": str(tmp_path / "missing.pfx")})
    assert err.field_name == "--server-cert" and "existing file" in err.message
    err = refused({"server_cert": str(tmp_path)})
    assert "regular file" in err.message


def test_unreadable_file() -> None:
    """A certificate the user cannot read is refused, naming the problem. Root reads any
    file, so under root the check runs in a child process that drops to ``nobody``."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cmgdeploy-unreadable-"))
    try:
        folder.chmod(0o755)  # traversable by nobody; the file itself is not readable
        path = folder / "locked.pfx"
        path.write_bytes(b"x")
        path.chmod(0)
        assert "can read" in _refused_as_unprivileged_user({"server_cert": str(path)})
    finally:
        shutil.rmtree(folder)


def _refused_as_unprivileged_user(flags: dict[str, object]) -> str:
    """``refused(flags).message``, computed as uid/gid 65534 when running as root."""
    import os

    if os.getuid() != 0:
        return refused(flags).message
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop privileges, report the message through the pipe
        os.close(read_end)
        try:
            os.setgid(65534)
            os.setuid(65534)
            message = refused(flags).message
        except BaseException as exc:
            message = f"child failed: {exc!r}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    return message


def test_precedence_flag_env_file_default(tmp_path: Path) -> None:
    cfg = tmp_path / "cmgdeploy.toml"
    cfg.write_text(
        'name = "fromfile"\nregion = "northeurope"\ninstances = 2\nvm_size = "Standard_B2s"\n'
    )
    env = {"CMGDEPLOY_INSTANCES": "3", "CMGDEPLOY_REGION": "eastus"}
    spec = load_spec({"instances": 4, "name": None}, env, cfg)
    assert spec.instances == 4  # flag beats env and file
    assert spec.region == "eastus"  # env beats file
    assert spec.name == "fromfile"  # file beats default
    assert spec.vm_size == "Standard_B2s"
    assert load_spec({}, {}, cfg).instances == 2
    assert load_spec({"region": "westus"}, {}, cfg).enforce_tls12 is True  # default


def test_lists_from_env_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'site_code = "P01"\nconnection_points = ["a.contoso.com"]\n[tags]\nowner = "it"\n'
    )
    spec = load_spec(GOOD, {"CMGDEPLOY_CONNECTION_POINTS": "b.contoso.com, c.contoso.com"}, cfg)
    assert spec.connection_points == ("b.contoso.com", "c.contoso.com")
    assert spec.tags == (("owner", "it"),)
    assert load_spec(GOOD, {}, cfg).connection_points == ("a.contoso.com",)


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('name = "abc"\nregion = westeurope\n')
    with pytest.raises(InputError) as info:
        read_config(cfg)
    assert (
        info.value.field_name == "--config"
        and "line 2" in info.value.message
        and "column" in info.value.message
    )


def test_toml_unknown_key_lists_allowed(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('nmae = "abc"\n')
    with pytest.raises(InputError) as info:
        read_config(cfg)
    assert (
        "nmae" in info.value.message
        and "allowed keys" in info.value.message
        and "region" in info.value.message
    )
    cfg.write_text('[auth]\nmethd = "secret"\n')
    with pytest.raises(InputError, match=r"auth\.methd"):
        read_config(cfg)


def test_toml_secret_key_refused_without_echo(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('server_cert_password = "S3cret-Value"\n')
    with pytest.raises(InputError) as info:
        read_config(cfg)
    assert "S3cret-Value" not in info.value.message
    assert "CMGDEPLOY_SERVER_CERT_PASSWORD" in info.value.message


def test_toml_wrong_type_names_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("instances = 40\n")
    err = refused({}, None, cfg)
    assert err.field_name == f"instances (in {cfg})" and "40" in err.message


def test_toml_relative_paths_resolve_against_file(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    make_pfx(tmp_path / "certs" / "c.pfx", "contosocmg.contoso.com", "pw")
    cfg = tmp_path / "c.toml"
    cfg.write_text('server_cert = "certs/c.pfx"\n')
    spec = load_spec({"region": "westeurope"}, {"CMGDEPLOY_SERVER_CERT_PASSWORD": "pw"}, cfg)
    assert spec.server_cert == tmp_path / "certs" / "c.pfx"


def test_default_config_file_discovered(tmp_path: Path) -> None:
    (tmp_path / "cmgdeploy.toml").write_text('region = "eastus"\n')
    assert read_config(None, cwd=tmp_path).get("region") == "eastus"
    assert read_config(None, cwd=tmp_path / "nowhere").path is None
    with pytest.raises(InputError, match="--config"):
        read_config(tmp_path / "absent.toml")


def test_name_from_certificate_cn(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "c.pfx", "labcmg.contoso.com", "pw")
    spec = load_spec(
        {"region": "westeurope", "server_cert": str(pfx)},
        {"CMGDEPLOY_SERVER_CERT_PASSWORD": "pw"},
        None,
    )
    assert spec.name == "labcmg" and spec.certificate is not None
    assert "pw" not in repr(spec) and spec.certificate.pfx_b64 not in repr(spec)


def test_certificate_cn_mismatch_with_given_name(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "c.pfx", "other.contoso.com", "pw")
    with pytest.raises(InputError) as info:
        spec_of({"server_cert": str(pfx)}, {"CMGDEPLOY_SERVER_CERT_PASSWORD": "pw"})
    assert "CN=other.contoso.com" in info.value.message and "contosocmg" in info.value.message


def test_certificate_password_prompt(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "c.pfx", "contosocmg.contoso.com", "pw")
    asked: list[str] = []

    def prompt(label: str) -> str:
        asked.append(label)
        return "pw"

    spec = spec_of({"server_cert": str(pfx)}, password_prompt=prompt)
    assert asked and spec.certificate is not None


def test_expiry_warning_in_spec(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "c.pfx", "contosocmg.contoso.com", "pw", days=10)
    spec = spec_of({"server_cert": str(pfx)}, {"CMGDEPLOY_SERVER_CERT_PASSWORD": "pw"})
    assert any("expires in" in w for w in spec.warnings)


def test_self_signed_and_server_cert_exclusive(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "c.pfx", "contosocmg.contoso.com", "pw")
    err = refused({"server_cert": str(pfx), "self_signed_cert": True})
    assert "not both" in err.message
    assert spec_of({"self_signed_cert": True}).self_signed_cert is True


def test_trusted_ca(tmp_path: Path) -> None:
    from certfactory import make_ca_pem, make_pem

    ca = make_ca_pem(tmp_path / "root.pem")
    spec = spec_of({"trusted_cas": [str(ca)]})
    assert len(spec.trusted_ca_thumbprints) == 1 and len(spec.trusted_ca_thumbprints[0]) == 40
    leaf = make_pem(tmp_path / "leaf.pem", "leaf.contoso.com", include_key=False)
    assert "CA certificate" in refused({"trusted_cas": [str(leaf)]}).message


def test_input_hash_stable_and_sensitive(tmp_path: Path) -> None:
    assert spec_of().input_hash() == spec_of().input_hash()
    assert spec_of().input_hash() != spec_of({"instances": 2}).input_hash()
    # Site data is compared separately: it does not change the Azure deployment.
    assert (
        spec_of().input_hash()
        == spec_of({"site_code": "P01", "connection_points": ["a.b.com"]}).input_hash()
    )
    assert "secret" not in str(spec_of().to_dict())


def test_environment_name_rule() -> None:
    assert spec_of({"environment": "local"}).environment == "local"
    err = refused({"environment": "1bad"})
    assert err.field_name == "--environment"


def test_now_is_used_for_checks(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "c.pfx", "contosocmg.contoso.com", "pw")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    with pytest.raises(InputError, match="expired"):
        spec_of({"server_cert": str(pfx)}, {"CMGDEPLOY_SERVER_CERT_PASSWORD": "pw"}, now=later)


def test_config_file_object_accepted() -> None:
    assert spec_of(config=ConfigFile()).name == "contosocmg"
