// The app: a Flex Consumption plan (Linux, FC1) and the function app on it, with its settings. The runtime and
// scaling are properties of the site (functionAppConfig), not app settings: Flex Consumption refuses
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION. Every connection is identity-based with the
// user-assigned identity; the one secret is a Key Vault reference.

param location string
param tags object
param planName string
param appName string

@description('The user-assigned identity the app runs as (resource id and client id).')
param identityId string
param identityClientId string

param storageAccountName string
param deploymentContainerUrl string
param serviceBusFullyQualifiedNamespace string
param serviceBusTopicName string
param callResultsQueueName string
param appInsightsConnectionString string
param voiceAgentApiKeySecretUri string

param queuePrefix string
param taskHubName string
param voiceAgentKind string
param voiceAgentUrl string

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@minValue(0)
param alwaysReadyInstanceCount int

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  // azd finds the app to deploy the `api` service (azure.yaml) to by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings are resolved with this identity (it holds Key Vault Secrets User).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          // The package azd (or `az functionapp deployment`) uploads is read from this container with the identity.
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // The Service Bus call-results receiver is a hosted service of the worker, invisible to the scale
        // controller (README, "Service Bus"): an always-ready instance keeps it taking results while no HTTP request
        // or queue message keeps an instance alive. Every instance runs the whole worker, so the HTTP group's
        // instance serves. 0 saves its cost; results then wait on the queue until traffic starts an instance.
        alwaysReady: alwaysReadyInstanceCount > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyInstanceCount
              }
            ]
          : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Deployment with Microsoft Entra ID only: no publishing profile with a user name and password for FTP or the SCM site.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// The app settings: exactly DeployedSettings.Required (src/Functions/Hosting/DeployedSettings.cs), which
// tests/Infra.Tests compares with this list. A separate resource (not siteConfig.appSettings) because the callback
// URL needs the site's own host name. Every other setting the app reads has a default that suits Azure (README, "Settings").
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // The host's storage, the task hub and the app's tables, queues and blobs: one account, by identity.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
    ServiceBusConnection__credential: 'managedidentity'
    ServiceBusConnection__clientId: identityClientId
    ServiceBusTopic: serviceBusTopicName
    CallResultsQueue: callResultsQueueName
    QueuePrefix: queuePrefix
    TaskHub: taskHubName
    // Names the resource, not a credential: local auth is off and ingestion needs the identity's Entra token.
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
    VoiceAgent__Kind: voiceAgentKind
    VoiceAgent__Url: voiceAgentUrl
    VoiceAgent__CallbackBaseUrl: 'https://${app.properties.defaultHostName}'
    VoiceAgent__ApiKey: '@Microsoft.KeyVault(SecretUri=${voiceAgentApiKeySecretUri})'
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
