// Flex Consumption runs blob triggers only from Event Grid (BlobTriggerSource.EventGrid on UploadSplit): the storage
// account's BlobCreated events go to the blobs extension's webhook on the app. This is the account's Event Grid
// system topic. Its subscription is made after the code is deployed (infra/hooks/postdeploy.sh), because the webhook
// URL carries the blobs_extension system key, which exists only once the app's host has started with a blob trigger.

param location string
param tags object
param topicName string
param storageAccountId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: location
  tags: tags
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
