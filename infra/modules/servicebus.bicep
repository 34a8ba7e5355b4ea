// Service Bus: the topic the app publishes its integration events to, and the queue it takes call results from
// (README, "Service Bus"; docs/events.md). SAS keys are off: senders and receivers sign in with Microsoft Entra ID.

param location string
param tags object
param namespaceName string
param topicName string
param callResultsQueueName string

@description('Deliveries of a call result before Service Bus dead-letters it (README: at 10, about 2.5 minutes of failures on our side).')
@minValue(1)
@maxValue(2000)
param callResultsMaxDeliveryCount int

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  // Standard: topics need it (Basic has queues only).
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    // The message id is the event id, and the relay sends a batch again with the same ids when an acknowledgement
    // was lost: duplicate detection drops the copies. The relay's retries come within minutes, well inside an hour.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    // A batch holds one campaign's events; a partitioned topic would also keep them together (partition key).
    enablePartitioning: false
    defaultMessageTimeToLive: 'P14D'
  }
}

resource callResults 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: callResultsQueueName
  properties: {
    // Peek-lock: the receiver renews the lock while a result is handled, so a minute is plenty per try.
    lockDuration: 'PT1M'
    maxDeliveryCount: callResultsMaxDeliveryCount
    // A result nobody could take in time goes to the dead-letter queue rather than vanishing.
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    enablePartitioning: false
  }
}

output name string = namespace.name
// The host name only (contoso.servicebus.windows.net), as ServiceBusConnection__fullyQualifiedNamespace expects it;
// taken from the namespace's endpoint so that it is right in every Azure cloud.
output fullyQualifiedNamespace string = parseUri(namespace.properties.serviceBusEndpoint).host
output topicName string = topic.name
output callResultsQueueName string = callResults.name
