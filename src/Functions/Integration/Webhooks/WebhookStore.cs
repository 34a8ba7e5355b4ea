using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Campaigns.Domain.Webhooks;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Integration.Webhooks;

/// <summary>
/// A webhook subscription as stored. <see cref="Secret"/> signs every delivery (HMAC needs the secret itself, so it is
/// stored as given); it is shown once, in the reply to the create request, and never again: no GET returns it and
/// <see cref="ToString"/> leaves it out, so logging a webhook cannot leak it.
/// </summary>
internal sealed record Webhook(string AccountId, string Id, string Url, IReadOnlyList<string> Events, string Secret, Instant CreatedAt, ETag ETag)
{
    /// <summary>The most events one request carries; above 1 the body is a JSON array of CloudEvents.</summary>
    public int BatchSize { get; init; } = 1;

    public override string ToString() =>
        $"Webhook {{ AccountId = {AccountId}, Id = {Id}, Url = {Url}, Events = [{string.Join(", ", Events)}], Secret = (hidden), CreatedAt = {CreatedAt}, BatchSize = {BatchSize} }}";
}

/// <summary>
/// Webhook ids: <c>wh_</c>, 10 Crockford base-32 characters of (max - creation time in ms), 16 random ones (26 in
/// all). They sort newest first, so one account's partition reads in the order <c>GET /v1/webhooks</c> shows.
/// </summary>
internal static class WebhookIds
{
    public const string Prefix = "wh_";
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford, in ordinal order
    private const int TimeChars = 10;
    private const int RandomChars = 16;
    private const long MaxMillis = (1L << (5 * TimeChars)) - 1;

    public static int Length => Prefix.Length + TimeChars + RandomChars;

    public static string New(Instant now)
    {
        Span<char> chars = stackalloc char[TimeChars + RandomChars];
        var value = Math.Clamp(MaxMillis - now.ToUnixTimeMilliseconds(), 0, MaxMillis);
        for (var i = TimeChars - 1; i >= 0; i--, value >>= 5)
            chars[i] = Alphabet[(int)(value & 31)];
        for (var i = TimeChars; i < chars.Length; i++)
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return Prefix + new string(chars);
    }

    /// <summary>True for text shaped like an id this service issues; anything else is a 404 without a storage call.</summary>
    public static bool IsWellFormed(string? id) =>
        id is not null && id.Length == Length && id.StartsWith(Prefix, StringComparison.Ordinal) &&
        id.AsSpan(Prefix.Length).IndexOfAnyExcept(Alphabet) < 0;
}

/// <summary>Webhook signing secrets.</summary>
internal static class WebhookSecrets
{
    /// <summary>A new secret: <c>whsec_</c> and 32 random bytes in base64url (256 bits).</summary>
    public static string Generate() => "whsec_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}

/// <summary>
/// Webhook subscriptions: table <c>webhooks</c>, PartitionKey = account id, RowKey = webhook id (newest first, see
/// <see cref="WebhookIds"/>). One more row per account, RowKey <c>count</c>, counts its webhooks; every create and
/// delete changes it in the same transaction as the webhook row, naming the ETag it read, so two concurrent creates
/// can never take an account past <see cref="WebhookRules.MaxPerAccount"/>.
/// </summary>
internal sealed class WebhookStore(CampaignTables tables)
{
    private const string CountRow = "count";
    // Every lost race means another create or delete of the account succeeded, and creates stop at the cap, so a create
    // loses at most about 25 races in a row to other creates; 30 tries is enough for any burst short of a flood of
    // creates and deletes at once.
    private const int MaxTries = WebhookRules.MaxPerAccount + 5;

    /// <summary>Stores a new webhook, or returns null when the account already has <see cref="WebhookRules.MaxPerAccount"/>.</summary>
    /// <exception cref="ConcurrencyConflictException">The account's webhooks kept changing under every one of 30 tries.</exception>
    public async Task<Webhook?> CreateAsync(string accountId, Uri url, IReadOnlyList<string> events, string secret, Instant now, CancellationToken cancellationToken,
        int batchSize = 1)
    {
        for (var attempt = 1; ; attempt++)
        {
            var counter = await tables.Webhooks.GetEntityIfExistsAsync<TableEntity>(accountId, CountRow, cancellationToken: cancellationToken);
            var count = counter.HasValue ? counter.Value!.GetInt32("Count") ?? 0 : 0;
            if (count >= WebhookRules.MaxPerAccount)
                return null;

            var id = WebhookIds.New(now);
            var entity = new TableEntity(accountId, id)
            {
                ["Url"] = url.OriginalString,
                ["Events"] = JsonSerializer.Serialize(events),
                ["Secret"] = secret,
                ["CreatedAt"] = now.ToDateTimeOffset(),
                ["BatchSize"] = batchSize,
            };
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, entity),
                counter.HasValue
                    ? new(TableTransactionActionType.UpdateReplace, new TableEntity(accountId, CountRow) { ["Count"] = count + 1 }, counter.Value!.ETag)
                    : new(TableTransactionActionType.Add, new TableEntity(accountId, CountRow) { ["Count"] = count + 1 }),
            };
            try
            {
                var response = await tables.Webhooks.SubmitTransactionAsync(actions, cancellationToken);
                return new Webhook(accountId, id, url.OriginalString, events, secret, now, response.Value[0].Headers.ETag ?? default) { BatchSize = batchSize };
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another create or delete changed the count first: read it again and decide again.
                if (attempt >= MaxTries)
                    throw new ConcurrencyConflictException($"The webhooks of account {accountId} changed concurrently", ex);
            }
        }
    }

    /// <summary>One webhook of the account, or null when it has none with that id.</summary>
    public async Task<Webhook?> GetAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        if (!WebhookIds.IsWellFormed(id))
            return null;
        var row = await tables.Webhooks.GetEntityIfExistsAsync<TableEntity>(accountId, id, cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>Every webhook of the account (at most 25), newest first.</summary>
    public async Task<IReadOnlyList<Webhook>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        // RowKeys from "wh_" up to (not including) "wh`", the character after '_': the webhook rows, not the count row.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {WebhookIds.Prefix} and RowKey lt {"wh`"}");
        var hooks = new List<Webhook>();
        await foreach (var row in tables.Webhooks.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            hooks.Add(FromEntity(row));
        return hooks;
    }

    /// <summary>Deletes a webhook; false when the account has none with that id. Its delivery log is kept until retention deletes it (<c>Retention__WebhookDeliveryDays</c> after its newest attempt).</summary>
    /// <exception cref="ConcurrencyConflictException">The account's webhooks kept changing under every one of 30 tries.</exception>
    public async Task<bool> DeleteAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        if (!WebhookIds.IsWellFormed(id))
            return false;
        for (var attempt = 1; ; attempt++)
        {
            var hook = await tables.Webhooks.GetEntityIfExistsAsync<TableEntity>(accountId, id, select: ["RowKey"], cancellationToken: cancellationToken);
            if (!hook.HasValue)
                return false;
            var counter = await tables.Webhooks.GetEntityIfExistsAsync<TableEntity>(accountId, CountRow, cancellationToken: cancellationToken);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, new TableEntity(accountId, id), hook.Value!.ETag) };
            if (counter.HasValue)
            {
                var count = Math.Max(0, (counter.Value!.GetInt32("Count") ?? 1) - 1);
                actions.Add(new(TableTransactionActionType.UpdateReplace, new TableEntity(accountId, CountRow) { ["Count"] = count }, counter.Value.ETag));
            }
            try
            {
                await tables.Webhooks.SubmitTransactionAsync(actions, cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412)
            {
                // The webhook was deleted, or the count changed, by another request: look again.
                if (attempt >= MaxTries)
                    throw new ConcurrencyConflictException($"The webhooks of account {accountId} changed concurrently", ex);
            }
        }
    }

    private static Webhook FromEntity(TableEntity row) => new(
        row.PartitionKey,
        row.RowKey,
        row.GetString("Url"),
        JsonSerializer.Deserialize<string[]>(row.GetString("Events") ?? "[\"*\"]") ?? ["*"],
        row.GetString("Secret"),
        Instant.FromDateTimeOffset(row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch),
        row.ETag) { BatchSize = row.GetInt32("BatchSize") ?? 1 };
}
