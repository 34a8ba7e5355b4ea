using Azure;
using Azure.Data.Tables;
using NodaTime;

namespace Campaigns.Functions.Storage;

/// <summary>What the imports into a list came to, summed over single adds and uploads.</summary>
internal sealed record ListCounts(int Attempted, int Valid, int Dupes, int Dnc, int Invalid)
{
    public static readonly ListCounts Zero = new(0, 0, 0, 0, 0);

    public ListCounts Plus(ListCounts other) => new(Attempted + other.Attempted, Valid + other.Valid, Dupes + other.Dupes, Dnc + other.Dnc, Invalid + other.Invalid);
}

/// <summary>A prospect list: it belongs to one campaign, whose contacts its prospects become.</summary>
internal sealed record ProspectList(
    string AccountId, string Id, string Slug, string Name, string CampaignId, string CampaignSlug, Instant CreatedAt, ListCounts Counts, ETag ETag);

/// <summary>
/// Prospect lists: table <c>lists</c>, PartitionKey = account, RowKey <c>list_{uuid}</c>, with a slug record
/// <c>slug_{slug}</c> written in the same transaction, so a slug names one list in an account.
/// </summary>
internal sealed class ListStore(CampaignTables tables)
{
    private const string ListPrefix = "list_";
    private const string SlugPrefix = "slug_";

    /// <summary>Inserts a list with its slug record; false when the slug is taken.</summary>
    public async Task<bool> InsertAsync(ProspectList list, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, ToEntity(list)),
            new(TableTransactionActionType.Add, new TableEntity(list.AccountId, SlugPrefix + list.Slug) { ["ListId"] = list.Id }),
        };
        try
        {
            await tables.Lists.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // The slug is taken, unless this very transaction was committed by a try the client gave up on (storage
            // slower than the network timeout, then the SDK's retry): the list row with this new uuid is then ours.
            return await tables.Lists.GetEntityIfExistsAsync<TableEntity>(list.AccountId, ListPrefix + list.Id, cancellationToken: cancellationToken)
                is { HasValue: true };
        }
    }

    public async Task<ProspectList?> GetAsync(string accountId, string listId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(listId, "D", out _))
            return null;
        var row = await tables.Lists.GetEntityIfExistsAsync<TableEntity>(accountId, ListPrefix + listId.ToLowerInvariant(), cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    public async Task<ProspectList?> FindBySlugAsync(string accountId, string slug, CancellationToken cancellationToken)
    {
        if (slug.Length is 0 or > 100)
            return null;
        var record = await tables.Lists.GetEntityIfExistsAsync<TableEntity>(accountId, SlugPrefix + slug, cancellationToken: cancellationToken);
        return record.HasValue && record.Value!.GetString("ListId") is { } id ? await GetAsync(accountId, id, cancellationToken) : null;
    }

    /// <summary>Adds to a list's counts, with the ETag read; a concurrent change is read again.</summary>
    public async Task AddCountsAsync(string accountId, string listId, ListCounts delta, CancellationToken cancellationToken)
    {
        for (var race = 0; ; race++)
        {
            var list = await GetAsync(accountId, listId, cancellationToken) ?? throw new InvalidOperationException($"List {listId} is gone");
            try
            {
                await tables.Lists.UpdateEntityAsync(ToEntity(list with { Counts = list.Counts.Plus(delta) }), list.ETag, TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && race < 50)
            {
            }
        }
    }

    private static TableEntity ToEntity(ProspectList l) => new(l.AccountId, ListPrefix + l.Id)
    {
        ["Slug"] = l.Slug, ["Name"] = l.Name, ["CampaignId"] = l.CampaignId, ["CampaignSlug"] = l.CampaignSlug,
        ["CreatedAt"] = l.CreatedAt.ToDateTimeOffset(),
        ["Attempted"] = l.Counts.Attempted, ["Valid"] = l.Counts.Valid, ["Dupes"] = l.Counts.Dupes, ["Dnc"] = l.Counts.Dnc, ["Invalid"] = l.Counts.Invalid,
    };

    private static ProspectList FromEntity(TableEntity e) => new(
        e.PartitionKey, e.RowKey[ListPrefix.Length..], e.GetString("Slug")!, e.GetString("Name")!, e.GetString("CampaignId")!,
        e.GetString("CampaignSlug")!, Instant.FromDateTimeOffset(e.GetDateTimeOffset("CreatedAt")!.Value),
        new ListCounts(e.GetInt32("Attempted") ?? 0, e.GetInt32("Valid") ?? 0, e.GetInt32("Dupes") ?? 0, e.GetInt32("Dnc") ?? 0, e.GetInt32("Invalid") ?? 0),
        e.ETag);
}
