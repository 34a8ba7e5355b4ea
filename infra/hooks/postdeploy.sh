#!/bin/sh
# Subscribes the UploadSplit blob trigger to the storage account's BlobCreated events (azd's postdeploy hook; run it
# by hand after `az deployment group create` and a code deployment, docs/deploy.md).
#
# Why after the deployment, not in the template: Flex Consumption runs blob triggers only from Event Grid, which calls
# the blobs extension's webhook on the app, and that URL carries the `blobs_extension` system key. The key is made by
# the app's host the first time it starts with a blob trigger, so it exists only once the code is deployed.
#
# Idempotent: `event-subscription create` is a create-or-update (PUT) of a subscription with a fixed name, so running
# this again (after every deployment, or after the system key was renewed) leaves one subscription with the current
# key. The key is never printed.
#
# Reads (azd sets them from the template's outputs): AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME,
# AZURE_FUNCTION_APP_URL, UPLOADS_SYSTEM_TOPIC_NAME, UPLOADS_CONTAINER_NAME, UPLOAD_FUNCTION_NAME; optionally
# AZURE_SUBSCRIPTION_ID (else az's current subscription), UPLOADS_EVENT_SUBSCRIPTION (the subscription's name),
# POSTDEPLOY_KEY_ATTEMPTS and POSTDEPLOY_RETRY_SECONDS (how long to wait for the key).
set -eu

for name in AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_FUNCTION_APP_URL UPLOADS_SYSTEM_TOPIC_NAME \
  UPLOADS_CONTAINER_NAME UPLOAD_FUNCTION_NAME; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "postdeploy: $name is not set (azd sets it from the deployment's outputs; see docs/deploy.md)" >&2
    exit 2
  fi
done
if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the Azure CLI (az) is needed to subscribe the upload trigger to blob events" >&2
  exit 2
fi

subscription=""
if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ]; then subscription="--subscription=$AZURE_SUBSCRIPTION_ID"; fi
event_subscription="${UPLOADS_EVENT_SUBSCRIPTION:-upload-split}"
attempts="${POSTDEPLOY_KEY_ATTEMPTS:-30}"
retry_seconds="${POSTDEPLOY_RETRY_SECONDS:-10}"

# The host writes its system keys when it starts; a request wakes an app that scaled to zero.
key=""
attempt=1
while :; do
  # shellcheck disable=SC2086 # $subscription is one word or none
  key=$(az functionapp keys list $subscription --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
  if [ -n "$key" ] && [ "$key" != "None" ]; then break; fi
  if [ "$attempt" -ge "$attempts" ]; then
    echo "postdeploy: no blobs_extension key on $AZURE_FUNCTION_APP_NAME after $attempts tries: is the code deployed and does the host start? (see its log stream)" >&2
    exit 1
  fi
  echo "postdeploy: waiting for the app's blobs_extension key (try $attempt of $attempts)..." >&2
  curl --silent --output /dev/null --max-time 30 "$AZURE_FUNCTION_APP_URL/health" || true
  attempt=$((attempt + 1))
  sleep "$retry_seconds"
done

endpoint="$AZURE_FUNCTION_APP_URL/runtime/webhooks/blobs?functionName=Host.Functions.$UPLOAD_FUNCTION_NAME&code=$key"
# Only blobs created in the upload container, and only the CSVs the app writes there ({uuid}.csv): the subject is
# /blobServices/default/containers/{container}/blobs/{name}. Event Grid retries a failed delivery for up to a day.
# shellcheck disable=SC2086
az eventgrid system-topic event-subscription create $subscription \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$UPLOADS_SYSTEM_TOPIC_NAME" \
  --name "$event_subscription" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$UPLOADS_CONTAINER_NAME/blobs/" \
  --subject-ends-with ".csv" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none

echo "postdeploy: blob events of container '$UPLOADS_CONTAINER_NAME' go to $UPLOAD_FUNCTION_NAME (Event Grid subscription '$event_subscription')." >&2
