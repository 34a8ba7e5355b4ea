// The app's one storage account: the Functions host's own state (AzureWebJobsStorage: leases, blob receipts, timer
// schedules), the Durable task hub (queues, tables, lease blobs), the app's tables, queues and upload containers, and
// the container the Flex Consumption platform deploys the app's package from.
// Shared-key access is off: every client, the platform's deployment included, signs in with Microsoft Entra ID.

param location string
param tags object
param accountName string

@description('The container Flex Consumption reads the deployed package from.')
param deploymentContainerName string

@description('The container CSV uploads land in (QueuePrefix + "uploads"); its BlobCreated events start the split.')
param uploadsContainerName string

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    // The portal and tools default to Entra ID too, instead of trying a key first.
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Flex Consumption without a virtual network reaches storage over its public endpoint; Event Grid reads the
      // account's events as a trusted Azure service.
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobs
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The app creates its containers itself when missing; this one is made here so that the Event Grid subscription
// (infra/hooks/postdeploy.sh) points at a container that exists from the start.
resource uploadsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobs
  name: uploadsContainerName
  properties: {
    publicAccess: 'None'
  }
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
output uploadsContainerName string = uploadsContainer.name
