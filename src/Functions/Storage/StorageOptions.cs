using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Campaigns.Functions.Storage;

/// <summary>
/// Storage settings. <c>AzureWebJobsStorage</c> is the Functions host's own connection setting; the app keeps its
/// tables in the same account (Azurite locally), reached by a connection string or by identity
/// (<see cref="StorageConnection"/>). <c>Storage__WriteParallelism</c> bounds concurrent table transactions of one
/// request (default 8).
/// </summary>
internal sealed class StorageOptions
{
    /// <summary>The account's connection (Azurite's development storage unless configured).</summary>
    public StorageConnection Connection { get; set; } = StorageConnection.FromConnectionString(StorageConnection.DevelopmentStorage);

    /// <summary>Sets <see cref="Connection"/> from a connection string (tests and benchmarks).</summary>
    public string ConnectionString { init => Connection = StorageConnection.FromConnectionString(value); }

    /// <summary>Prefix for every table name, so several deployments (or test runs) can share one account.</summary>
    public string TablePrefix { get; set; } = "";

    public int WriteParallelism { get; set; } = 8;

    /// <summary>
    /// How long one try of a storage request may take before it is abandoned and retried (seconds). Azure Table
    /// Storage gives up on its side after 30 s; a stalled connection should not hold an API request for minutes.
    /// </summary>
    public double NetworkTimeoutSeconds { get; set; } = 10;

    /// <summary>Retries of a storage request after a timeout, a throttle (429, 503) or a server error, with exponential back-off.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// Applies the retry settings and the request counter to a storage client's options. With the defaults a request
    /// meets a dead or throttling storage account for at most about 4 x 10 s plus back-off, then the API answers 503.
    /// Blob block uploads (4 MiB each) get at least 60 s a try.
    /// </summary>
    public T Apply<T>(T clientOptions, StorageRequestCounter counter, double minimumTimeoutSeconds = 0) where T : ClientOptions
    {
        clientOptions.Retry.MaxRetries = MaxRetries;
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(Math.Max(NetworkTimeoutSeconds, minimumTimeoutSeconds));
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        return clientOptions;
    }
}

/// <summary>The tables of the app, created once at start-up.</summary>
internal sealed class CampaignTables(TableServiceClient service, StorageOptions options)
{
    public TableClient Accounts { get; } = service.GetTableClient(options.TablePrefix + "accounts");
    public TableClient Campaigns { get; } = service.GetTableClient(options.TablePrefix + "campaigns");
    public TableClient Contacts { get; } = service.GetTableClient(options.TablePrefix + "contacts");

    /// <summary>Prospect lists and their slug records (PartitionKey = account).</summary>
    public TableClient Lists { get; } = service.GetTableClient(options.TablePrefix + "lists");

    /// <summary>Every number imported in an account, in hash buckets (<see cref="PhoneIndex"/>): the dupe check's index.</summary>
    public TableClient Phones { get; } = service.GetTableClient(options.TablePrefix + "phones");

    /// <summary>CSV uploads: summaries, batches, refused lines and each list's upload history (<see cref="UploadStore"/>).</summary>
    public TableClient Uploads { get; } = service.GetTableClient(options.TablePrefix + "uploads");

    /// <summary>Webhook subscriptions of each account (PartitionKey = account).</summary>
    public TableClient Webhooks { get; } = service.GetTableClient(options.TablePrefix + "webhooks");

    /// <summary>Every delivery attempt of every webhook: the delivery log.</summary>
    public TableClient WebhookDeliveries { get; } = service.GetTableClient(options.TablePrefix + "webhookdeliveries");

    /// <summary>Each campaign's event stream (the relayed outbox, in order) and its destinations' cursors.</summary>
    public TableClient Events { get; } = service.GetTableClient(options.TablePrefix + "events");

    /// <summary>Each campaign's outbox index: the partitions that hold its outbox rows (<see cref="OutboxIndex"/>).</summary>
    public TableClient Outbox { get; } = service.GetTableClient(options.TablePrefix + "outbox");

    public IEnumerable<TableClient> All => [Accounts, Campaigns, Contacts, Lists, Phones, Uploads, Webhooks, WebhookDeliveries, Events, Outbox];

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var table in All)
            await table.CreateIfNotExistsAsync(cancellationToken);
    }

    public static TableServiceClient CreateService(StorageOptions options, StorageRequestCounter? counter = null) =>
        options.Connection.Tables(options.Apply(new TableClientOptions(), counter ?? new StorageRequestCounter()));
}

/// <summary>A write lost an optimistic-concurrency race (HTTP 409 or 412): the caller re-reads and decides again.</summary>
internal sealed class ConcurrencyConflictException(string message, Exception inner) : Exception(message, inner);
