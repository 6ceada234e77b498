#!/usr/bin/env bash
# The Azure CLI end-to-end check: the unmodified Azure CLI, in
# its own virtualenv, against the local Azure registered as a custom cloud.
#
# usage: scripts/az-cli-e2e.sh [--workdir DIR] [--keep] [--template small|cmg|all] [--debug]
#   --workdir DIR  where the state dir, az config dir and per-step logs go (default: a
#                  new temp dir, removed at the end unless --keep or a step failed)
#   --keep         keep the work dir
#   --template     which deployments to drive: the small template under tests/azcli/,
#                  arm_templates/cmg.json, or both (default: all)
#   --debug        run every az command with --debug (logs in WORK/logs/*.err)
#
# Prints one PASS/FAIL line per step and the total wall time. Exit status: 0 all steps
# passed, 1 a step failed, 2 the setup (virtualenv, server) failed. The server is always
# stopped. Secrets never reach argv or the output: the client secret goes to az through
# `--password=@file` (the `=` form: a secret is never taken for an option) and is
# redacted from any stderr excerpt.
set -uo pipefail # no -e: every step reports and the run goes on

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=$ROOT/.venv/bin/python
AZ_VENV=${AZCLI_VENV:-$ROOT/.venv-azcli}
AZ=$AZ_VENV/bin/az
AZ_VERSION=${AZCLI_VERSION:-2.91.0}
RG=azcli-e2e-rg
REGION=westeurope
WORK="" KEEP=0 TEMPLATES=all DEBUG=()

while (($#)); do
	case $1 in
	--workdir) WORK=$2 && shift ;;
	--keep) KEEP=1 ;;
	--template) TEMPLATES=$2 && shift ;;
	--debug) DEBUG=(--debug) ;;
	*) echo "usage: $0 [--workdir DIR] [--keep] [--template small|cmg|all] [--debug]" >&2 && exit 2 ;;
	esac
	shift
done
if [[ -z $WORK ]]; then
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/az-cli-e2e.XXXXXX")
else
	mkdir -p "$WORK"
fi
WORK=$(cd "$WORK" && pwd)
STATE=$WORK/state
LOGS=$WORK/logs
mkdir -p "$LOGS"
chmod 700 "$WORK"

T_START=${EPOCHREALTIME/./}
FAILED=0 STEP_NO=0 SERVER_PID="" SECRET="" OUT=""

# --- reporting -------------------------------------------------------------------------

seconds_since() { # seconds_since MICROS -> "1.23"
	local us=$((${EPOCHREALTIME/./} - $1))
	printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}

redact() { # never let the client secret through, whatever a tool printed
	local text=$1
	[[ -n $SECRET ]] && text=${text//"$SECRET"/***}
	printf '%s' "$text"
}

report() { # report PASS|FAIL NAME SECONDS [DETAIL-FILE-OR-TEXT]
	printf '%s  %-52s %6ss\n' "$1" "$2" "$3"
	if [[ $1 == FAIL ]]; then
		FAILED=1
		redact "$4" | tail -n 12 | sed 's/^/      | /'
		echo
	fi
}

# --- running az ------------------------------------------------------------------------

run_az() { # run_az LOGNAME ARGS...: stdout (tabs/newlines folded to spaces) -> $OUT
	local log=$1 rc
	shift
	"$AZ" "$@" "${DEBUG[@]}" >"$log.out" 2>"$log.err" </dev/null
	rc=$?
	OUT=$(tr '\t\n' '  ' <"$log.out" | sed 's/ *$//')
	return $rc
}

next_log() { # sets LOG (not printed: a subshell would lose the step counter)
	STEP_NO=$((STEP_NO + 1))
	printf -v LOG '%s/%02d-%s' "$LOGS" "$STEP_NO" "${1//[^A-Za-z0-9]/_}"
}

# step NAME EXPECT_REGEX AZ-ARGS...: PASS when az exits 0 and its output matches.
step() {
	local name=$1 expect=$2 t0=${EPOCHREALTIME/./} log
	shift 2
	next_log "$name"
	log=$LOG
	if ! run_az "$log" "$@"; then
		report FAIL "$name" "$(seconds_since "$t0")" "$(cat "$log.err")"
	elif [[ -n $expect && ! $OUT =~ $expect ]]; then
		report FAIL "$name" "$(seconds_since "$t0")" "expected /$expect/, got: ${OUT:0:400}"
	else
		report PASS "$name" "$(seconds_since "$t0")"
	fi
}

# step_until NAME EXPECT_REGEX TRIES AZ-ARGS...: rerun az until its output matches.
step_until() {
	local name=$1 expect=$2 tries=$3 t0=${EPOCHREALTIME/./} log i
	shift 3
	next_log "$name"
	log=$LOG
	for ((i = 0; i < tries; i++)); do
		run_az "$log" "$@" && [[ $OUT =~ $expect ]] && break
	done
	if ((i == tries)); then
		report FAIL "$name" "$(seconds_since "$t0")" "after $tries tries: ${OUT:0:300} $(cat "$log.err")"
	else
		report PASS "$name ($((i + 1)) tries)" "$(seconds_since "$t0")"
	fi
}

# step_fails NAME ERROR_REGEX AZ-ARGS...: PASS when az exits non-zero with that error.
step_fails() {
	local name=$1 expect=$2 t0=${EPOCHREALTIME/./} log
	shift 2
	next_log "$name"
	log=$LOG
	if run_az "$log" "$@"; then
		report FAIL "$name" "$(seconds_since "$t0")" "az succeeded; expected an error /$expect/"
	elif ! grep -Eq "$expect" "$log.err"; then
		report FAIL "$name" "$(seconds_since "$t0")" "expected /$expect/ in: $(cat "$log.err")"
	else
		report PASS "$name" "$(seconds_since "$t0")"
	fi
}

# --- setup -----------------------------------------------------------------------------

ensure_azure_cli() { # reuse .venv-azcli, or create it once (a large download)
	local t0=${EPOCHREALTIME/./}
	if [[ ! -x $AZ ]]; then
		python3 -m venv "$AZ_VENV" &&
			"$AZ_VENV/bin/pip" install --quiet "azure-cli==$AZ_VERSION" >"$LOGS/pip.log" 2>&1 ||
			{ report FAIL "install azure-cli $AZ_VERSION" "$(seconds_since "$t0")" "$(cat "$LOGS/pip.log")" && return 1; }
	fi
	report PASS "azure-cli $("$AZ_VENV/bin/python" -c 'import azure.cli.core as c; print(c.__version__)') in ${AZ_VENV#"$ROOT"/}" "$(seconds_since "$t0")"
}

stop_server() {
	[[ -z $SERVER_PID ]] && return
	kill -TERM "$SERVER_PID" 2>/dev/null
	# Wait for the clean shutdown the server promises on SIGTERM, then insist.
	for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break && sleep 0.05; done
	kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	echo "server pid $SERVER_PID stopped"
	SERVER_PID=""
}

finish() {
	stop_server
	echo "total wall time: $(seconds_since "$T_START")s"
	if ((FAILED == 0 && KEEP == 0)); then
		rm -rf "$WORK"
	else
		echo "work dir kept: $WORK (state/requests.jsonl, logs/)"
	fi
}
trap finish EXIT
trap 'exit 130' INT TERM

start_server() { # python -m mocks serve prints its URL on its first stdout line
	local t0=${EPOCHREALTIME/./}
	"$PY" -m mocks serve --state-dir "$STATE" --port 0 >"$LOGS/server.out" 2>"$LOGS/server.err" &
	SERVER_PID=$!
	URL=""
	for _ in $(seq 600); do # up to 30 s, checking every 50 ms
		URL=$(head -n 1 "$LOGS/server.out" | grep -Eo 'https://[^ /]+' | head -n 1)
		[[ -n $URL ]] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [[ -z $URL ]]; then
		report FAIL "start local Azure" "$(seconds_since "$t0")" "$(cat "$LOGS/server.out" "$LOGS/server.err")"
		return 1
	fi
	report PASS "start local Azure at $URL (pid $SERVER_PID)" "$(seconds_since "$t0")"
}

read_endpoint() { # endpoint.json -> shell variables; the secret goes to a 0600 file
	SECRET_FILE=$WORK/sp-secret
	local fields
	fields=$("$PY" - "$STATE/endpoint.json" "$SECRET_FILE" <<-'EOF'
		import json, os, sys
		ep = json.load(open(sys.argv[1]))
		fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
		os.write(fd, ep["client_secret"].encode())
		os.close(fd)
		print(ep["tenant_id"], ep["subscription_id"], ep["client_id"], ep["client_certificate"])
	EOF
	) || return 1
	read -r TENANT SUB CLIENT CERT <<<"$fields"
	SECRET=$(<"$SECRET_FILE")
}

export_cli_environment() {
	export AZURE_CONFIG_DIR=$WORK/azconfig
	export REQUESTS_CA_BUNDLE=$STATE/ca.pem # the local CA only: TLS stays verified
	export AZURE_CORE_COLLECT_TELEMETRY=false
	export AZURE_CORE_INSTANCE_DISCOVERY=false # else msal asks login.microsoftonline.com
	export AZURE_CORE_SURVEY_MESSAGE=false
	export AZURE_CORE_NO_COLOR=true
	mkdir -p "$AZURE_CONFIG_DIR"
}

# --- the checks ------------------------------------------------------------------------

check_clouds() {
	local host=${URL//./\\.}
	# Without --skip-endpoint-discovery the CLI reads {arm}/metadata/endpoints.
	step "cloud register (endpoint discovery)" "" \
		cloud register -n LocalAzureDiscovered --endpoint-resource-manager "$URL/"
	step "cloud show (discovered endpoints)" "^$host/? $host/? https://\S+$" \
		cloud show -n LocalAzureDiscovered -o tsv \
		--query "[endpoints.resourceManager, endpoints.activeDirectory, endpoints.activeDirectoryResourceId]"
	step "cloud register (--skip-endpoint-discovery)" "" \
		cloud register -n LocalAzure --skip-endpoint-discovery \
		--endpoint-resource-manager "$URL/" --endpoint-active-directory "$URL" \
		--endpoint-active-directory-resource-id https://management.core.windows.net/
	step "cloud set -n LocalAzure" "" cloud set -n LocalAzure
	step "cloud show (active cloud)" "^LocalAzure true $host/$" \
		cloud show -o tsv --query "[name, isActive, endpoints.resourceManager]"
}

check_logins() {
	local who="^$SUB $TENANT servicePrincipal $CLIENT$"
	local query="[].[id, tenantId, user.type, user.name]"
	step_fails "login (wrong secret) -> AADSTS error" "AADSTS" \
		login --service-principal -u "$CLIENT" -p "not-the-secret" --tenant "$TENANT"
	step "login --service-principal (secret)" "$who" \
		login --service-principal -u "$CLIENT" --password="@$SECRET_FILE" --tenant "$TENANT" -o tsv --query "$query"
	step "account show" "^$SUB $TENANT LocalAzure$" \
		account show -o tsv --query "[id, tenantId, environmentName]"
	rm -f "$SECRET_FILE" # the CLI keeps its own copy; ours is not needed any more
	step "logout" "" logout
	step "login --service-principal (certificate)" "$who" \
		login --service-principal -u "$CLIENT" --certificate "$CERT" --tenant "$TENANT" -o tsv --query "$query"
}

check_groups() {
	local group="^$RG $REGION Succeeded azcli-e2e$"
	local query="[name, location, properties.provisioningState, tags.purpose]"
	step "group create" "$group" \
		group create -n "$RG" -l "$REGION" --tags purpose=azcli-e2e -o tsv --query "$query"
	step "group show" "$group" group show -n "$RG" -o tsv --query "$query"
	step "group exists (HEAD)" "^true$" group exists -n "$RG"
	step_fails "group show (missing) -> ResourceGroupNotFound" "ResourceGroupNotFound" \
		group show -n azcli-e2e-no-such-rg
}

# check_deployment LABEL NAME TEMPLATE PARAMS OUTPUT_REGEX OPERATIONS_REGEX RESOURCES_REGEX
check_deployment() {
	local label=$1 name=$2 template=$3 params=$4 outputs=$5 operations=$6 resources=$7
	local args=(-g "$RG" -n "$name" --template-file "$template" --parameters "$params")
	step "deployment group validate ($label)" "^Succeeded$" \
		deployment group validate "${args[@]}" -o tsv --query properties.provisioningState
	# Resources of the group the template does not mention are "Ignore" (Incremental mode).
	local changes="sort(changes[].changeType)"
	step "deployment group what-if ($label, new)" "^Create( Create)*( Ignore)*$" \
		deployment group what-if "${args[@]}" --no-pretty-print -o tsv --query "$changes"
	# Outputs are checked when they are all strings (sort() refuses mixed types).
	local created="^Succeeded$" query=properties.provisioningState
	if [[ -n $outputs ]]; then
		created="^Succeeded $outputs$"
		query="[properties.provisioningState, properties.outputs.*.value | sort(@)]"
	fi
	step "deployment group create ($label)" "$created" \
		deployment group create "${args[@]}" -o tsv --query "$query"
	step "deployment group show ($label)" "^$name Succeeded Incremental$" \
		deployment group show -g "$RG" -n "$name" -o tsv \
		--query "[name, properties.provisioningState, properties.mode]"
	step "deployment operation group list ($label)" "$operations" \
		deployment operation group list -g "$RG" -n "$name" -o tsv \
		--query "sort([?properties.targetResource].join(':', [properties.provisioningState, properties.targetResource.resourceType]))"
	step "resource list -g ($label)" "$resources" \
		resource list -g "$RG" -o tsv --query "sort([].type)"
}

# check_rerun LABEL NAME TEMPLATE EXPECT_REGEX PARAMS...: what-if of the same deployment
# again (what a re-run would change), the sorted change types matching EXPECT_REGEX.
check_rerun() {
	local label=$1 name=$2 template=$3 expect=$4 params=() p
	shift 4
	for p in "$@"; do params+=(--parameters "$p"); done
	step "deployment group what-if ($label, unchanged)" "$expect" \
		deployment group what-if -g "$RG" -n "$name" --template-file "$template" "${params[@]}" \
		--no-pretty-print -o tsv --query "sort(changes[].changeType)"
}

check_small_template() {
	local nsg=Microsoft.Network/networkSecurityGroups ip=Microsoft.Network/publicIPAddresses
	step_fails "deployment group validate (bad parameter) -> InvalidTemplate" "InvalidTemplate" \
		deployment group validate -g "$RG" --template-file "$ROOT/tests/azcli/small.json" \
		--parameters prefix=ab
	check_deployment small azcli-small "$ROOT/tests/azcli/small.json" prefix=azcli \
		"azcli-nsg azcli[a-z0-9]+\.$REGION\.\S+" \
		"^Succeeded:$nsg Succeeded:$ip$" "^$nsg $ip$"
	check_rerun small azcli-small "$ROOT/tests/azcli/small.json" "^(Ignore )*NoChange( NoChange)*$" \
		prefix=azcli
}

# A subscription need not have every namespace the CMG uses registered (the local Azure
# starts Microsoft.KeyVault unregistered): register what is missing, as an operator would.
check_cmg_providers() {
	local namespaces=(Microsoft.Compute Microsoft.KeyVault Microsoft.Network Microsoft.Storage)
	local wanted ns missing=()
	wanted=$(printf "'%s'," "${namespaces[@]}")
	step "provider list (CMG namespaces)" "" \
		provider list -o tsv --query "[?contains([${wanted%,}], namespace) && registrationState != 'Registered'].namespace"
	read -r -a missing <<<"$OUT"
	for ns in "${missing[@]}"; do
		step "provider register -n $ns" "" provider register -n "$ns"
	done
	# Not `register --wait`: the CLI sleeps 10 s before its first look.
	step_until "provider list (all CMG namespaces Registered)" "^(Registered ?){${#namespaces[@]}}$" 60 \
		provider list -o tsv --query "[?contains([${wanted%,}], namespace)].registrationState"
}

check_cmg_template() {
	local t0 params=$WORK/cmg.parameters.json
	check_cmg_providers
	t0=${EPOCHREALTIME/./}
	if ! "$PY" "$ROOT/tests/azcli/make_parameters.py" --out "$params" --work "$WORK" \
		>"$LOGS/make_parameters.log" 2>&1; then
		report FAIL "make CMG parameters (certificate, DSC package)" "$(seconds_since "$t0")" \
			"$(cat "$LOGS/make_parameters.log")"
		return
	fi
	report PASS "make CMG parameters (certificate, DSC package)" "$(seconds_since "$t0")"
	check_deployment cmg azcli-cmg "$ROOT/arm_templates/cmg.json" "@$params" "" \
		"Succeeded:Microsoft.Compute/virtualMachineScaleSets" \
		"Microsoft.Compute/virtualMachineScaleSets"
	local cmg principal
	cmg=$(sed -n 's/^cmgName=//p' "$LOGS/make_parameters.log")
	step "deployment outputs (cmg: fqdn, scale set, identity)" \
		"^$cmg\.$REGION\.cloudapp\.azure\.com $cmg [0-9a-f-]{36}$" \
		deployment group show -g "$RG" -n azcli-cmg -o tsv \
		--query "[properties.outputs.fqdn.value, properties.outputs.vmssName.value, properties.outputs.scaleSetPrincipalId.value]"
	principal=${OUT##* }
	# A re-run passes the scale set's identity (the template's scaleSetPrincipalId output),
	# else the vault's PUT would replace the access policy that lets the VMs read their
	# secrets. The storage connection string comes from listKeys(), which what-if does not
	# call: "Deploy" (may change), as in Azure.
	check_rerun cmg azcli-cmg "$ROOT/arm_templates/cmg.json" "^Deploy (Ignore )*NoChange( NoChange)*$" \
		"@$params" "scaleSetPrincipalId=$principal"
}

check_cleanup() {
	step "group delete" "" group delete -n "$RG" --yes
	step "group exists after delete" "^false$" group exists -n "$RG"
	step "logout" "" logout
}

main() {
	echo "Azure CLI end-to-end check against the local Azure (work dir $WORK)"
	ensure_azure_cli || exit 2
	start_server || exit 2
	read_endpoint || { report FAIL "read endpoint.json" 0 "no usable $STATE/endpoint.json" && exit 2; }
	export_cli_environment
	check_clouds
	check_logins
	check_groups
	[[ $TEMPLATES == small || $TEMPLATES == all ]] && check_small_template
	[[ $TEMPLATES == cmg || $TEMPLATES == all ]] && check_cmg_template
	check_cleanup
	((FAILED == 0)) && echo "RESULT: PASS" || echo "RESULT: FAIL"
	exit "$FAILED"
}

main
