// The one secret the app needs: the voice-agent provider's API key. The app setting VoiceAgent__ApiKey is a Key Vault
// reference to it, resolved by the platform with the app's managed identity (Key Vault Secrets User, infra/modules/roles.bicep).

param location string
param tags object
param vaultName string

@description('Keeps a deleted vault from being purged during its retention period. Off by default so that `azd down --purge` can free the name.')
param purgeProtection bool

@description('The secret\'s name; the app setting refers to its latest version.')
param secretName string

@description('The provider\'s API key. Empty leaves the secret as it is (or absent): set or rotate it with `az keyvault secret set` (docs/deploy.md).')
@secure()
param secretValue string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access by Azure role assignments only (no access policies): the app's identity can read secrets, nothing more.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Purge protection cannot be switched off once on, and false is refused: leave it out unless asked for.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// Written only when a value is given, so that a later deployment without the parameter does not overwrite a key an
// operator rotated in Key Vault.
resource secret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(secretValue)) {
  parent: vault
  name: secretName
  properties: {
    value: secretValue
    contentType: 'text/plain'
  }
}

output name string = vault.name
// Versionless, so that the app picks up a new version of the secret (the platform refreshes references daily, and
// at once on a restart or a settings change).
output secretUri string = '${vault.properties.vaultUri}secrets/${secretName}'
