// What the app's user-assigned identity may do, and nothing more: each role is assigned on the one resource it is
// needed for (the storage account, the topic, the queue, the Application Insights resource, the vault), never on the
// resource group or the subscription. The ids are Azure's built-in role definitions; tests/Infra.Tests checks that no
// other role and no wider scope appears in the compiled template.

@description('The managed identity\'s principal (object) id.')
param principalId string

param storageAccountName string
param serviceBusNamespaceName string
param topicName string
param callResultsQueueName string
param appInsightsName string
param keyVaultName string

// Azure's built-in role definitions, by their fixed ids.
resource storageBlobDataOwner 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
}

resource storageQueueDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
}

resource storageTableDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
}

resource serviceBusDataSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
}

resource serviceBusDataReceiver 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
}

resource monitoringMetricsPublisher 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher (all telemetry, despite the name)
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' existing = {
  parent: namespace
  name: topicName
}

resource callResults 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: namespace
  name: callResultsQueueName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// Blob leases, receipts and the deployment package: the Functions host documents Owner for its own storage account.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageBlobDataOwner.id)
  scope: storage
  properties: {
    roleDefinitionId: storageBlobDataOwner.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageQueueDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageQueueDataContributor.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, storageTableDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageTableDataContributor.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Send on the events topic only: the app never receives from it.
resource topicSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, principalId, serviceBusDataSender.id)
  scope: topic
  properties: {
    roleDefinitionId: serviceBusDataSender.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Receive (and complete, abandon, dead-letter) on the call-results queue only: the app never sends to it.
resource queueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(callResults.id, principalId, serviceBusDataReceiver.id)
  scope: callResults
  properties: {
    roleDefinitionId: serviceBusDataReceiver.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisher.id)
  scope: appInsights
  properties: {
    roleDefinitionId: monitoringMetricsPublisher.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Read secret values (for the VoiceAgent__ApiKey Key Vault reference); no listing of keys or certificates, no writes.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser.id)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsUser.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
