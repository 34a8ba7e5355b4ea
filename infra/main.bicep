// Everything the Campaigns app needs in Azure, in one resource group: the Flex Consumption function app, its storage
// account, Service Bus, Application Insights, a Key Vault for the voice agent's key, and the managed identity the
// app runs as. No key or connection string is created or handed to the app: every connection is identity-based.
// Deploy with `azd up`, or `az deployment group create` (docs/deploy.md); then the post-deploy step
// (infra/hooks/postdeploy.sh) subscribes the upload trigger to the storage account's blob events.

targetScope = 'resourceGroup'

@description('The azd environment name; with the resource group it makes the resources\' unique names.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Where the resources go.')
param location string = resourceGroup().location

@description('The voice-agent provider: `simulator` (calls are simulated, nothing leaves Azure) or `http`.')
@allowed(['simulator', 'http'])
param voiceAgentKind string = 'simulator'

@description('The provider\'s call endpoint (https); empty with the simulator.')
param voiceAgentUrl string = ''

@description('The provider\'s API key, stored in Key Vault. Empty leaves the stored key as it is.')
@secure()
param voiceAgentApiKey string = ''

@description('The Service Bus topic the app publishes its events to (app setting ServiceBusTopic).')
@minLength(1)
param serviceBusTopicName string = 'campaign-events'

@description('The Service Bus queue the app takes call results from (app setting CallResultsQueue).')
@minLength(1)
param callResultsQueueName string = 'call-results'

@description('Deliveries of a call result before Service Bus dead-letters it.')
@minValue(1)
@maxValue(2000)
param callResultsMaxDeliveryCount int = 10

@description('Prefix of the app\'s queues and upload container (app setting QueuePrefix); empty is fine.')
param queuePrefix string = ''

@description('The Durable task hub\'s name (app setting TaskHub): letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'Campaigns'

@description('Memory of each instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Instances kept running at all times, so that call results are taken from Service Bus while there is no other traffic (README, "Service Bus"). 0 is cheaper; results then wait until traffic starts an instance.')
@minValue(0)
@maxValue(20)
param alwaysReadyInstanceCount int = 1

@description('Days Log Analytics keeps telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Purge protection on the Key Vault (cannot be turned off again once on).')
param keyVaultPurgeProtection bool = false

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
}
// The blob-triggered function that splits an upload (src/Functions/Uploads/UploadFunctions.cs) and the container it
// watches: QueuePrefix + UploadBlobs.FilesContainer (src/Functions/Uploads/UploadBlobs.cs).
var uploadFunctionName = 'UploadSplit'
var uploadsContainerName = '${queuePrefix}uploads'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-campaigns-${resourceToken}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: 'log-campaigns-${resourceToken}'
    appInsightsName: 'appi-campaigns-${resourceToken}'
    retentionInDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    accountName: 'stcampaigns${resourceToken}'
    deploymentContainerName: 'app-package'
    uploadsContainerName: uploadsContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    location: location
    tags: tags
    namespaceName: 'sb-campaigns-${resourceToken}'
    topicName: serviceBusTopicName
    callResultsQueueName: callResultsQueueName
    callResultsMaxDeliveryCount: callResultsMaxDeliveryCount
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    vaultName: 'kv-cmp-${resourceToken}'
    purgeProtection: keyVaultPurgeProtection
    secretName: 'voice-agent-api-key'
    secretValue: voiceAgentApiKey
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    topicName: serviceBus.outputs.topicName
    callResultsQueueName: serviceBus.outputs.callResultsQueueName
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    tags: tags
    planName: 'plan-campaigns-${resourceToken}'
    appName: 'func-campaigns-${resourceToken}'
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusTopicName: serviceBus.outputs.topicName
    callResultsQueueName: serviceBus.outputs.callResultsQueueName
    appInsightsConnectionString: monitoring.outputs.connectionString
    voiceAgentApiKeySecretUri: keyVault.outputs.secretUri
    queuePrefix: queuePrefix
    taskHubName: taskHubName
    voiceAgentKind: voiceAgentKind
    voiceAgentUrl: voiceAgentUrl
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
  }
  // The app starts as soon as it exists: its identity should already hold its roles (storage for the host, Key Vault
  // for the reference), or the first start fails and waits for a retry.
  dependsOn: [
    roles
  ]
}

module uploadsEvents 'modules/uploads-events.bicep' = {
  name: 'uploads-events'
  params: {
    location: location
    tags: tags
    topicName: 'evgt-campaigns-${resourceToken}'
    storageAccountId: storage.outputs.id
  }
}

// azd turns each output into an environment variable of the same name (for the hooks and `azd env get-values`).
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.url
output AZURE_IDENTITY_NAME string = identity.name
output AZURE_IDENTITY_CLIENT_ID string = identity.properties.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_SERVICE_BUS_TOPIC string = serviceBus.outputs.topicName
output AZURE_CALL_RESULTS_QUEUE string = serviceBus.outputs.callResultsQueueName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_APP_INSIGHTS_NAME string = monitoring.outputs.appInsightsName
output UPLOADS_CONTAINER_NAME string = storage.outputs.uploadsContainerName
output UPLOADS_SYSTEM_TOPIC_NAME string = uploadsEvents.outputs.name
output UPLOAD_FUNCTION_NAME string = uploadFunctionName
