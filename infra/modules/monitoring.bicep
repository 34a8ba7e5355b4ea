// Telemetry: a Log Analytics workspace and the workspace-based Application Insights resource the app sends to.
// Local (key-based) authentication is off on both: telemetry is accepted only from Microsoft Entra identities,
// so the connection string the app is given names the resource but is not a credential.

param location string
param tags object
param workspaceName string
param appInsightsName string

@description('Days Log Analytics keeps the app\'s telemetry.')
@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      // No agent or collector here uses the workspace's shared keys; Application Insights writes to it by itself.
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Ingestion only with a Microsoft Entra token: the app authenticates with its managed identity
    // (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), which holds Monitoring Metrics Publisher on this resource.
    DisableLocalAuth: true
  }
}

output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
