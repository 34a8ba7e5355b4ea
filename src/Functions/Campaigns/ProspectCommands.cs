using Campaigns.Domain.Contacts;
using Campaigns.Domain.Prospects;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Campaigns;

/// <summary>What became of one prospect offered to a list.</summary>
internal enum ProspectOutcome { Added, Dupe, Invalid }

/// <summary>
/// Prospect lists and the prospects they bring into their campaign: a prospect becomes a contact of the list's
/// campaign (same shards, same engine as every contact), unless it is a dupe (<see cref="Dupes"/>).
/// </summary>
internal sealed class ProspectCommands(
    CampaignStore campaigns, ListStore lists, PhoneIndex phones, ContactStore contacts, EngineQueues queues, TimeProvider time)
{
    private const int MaxSlugSuffix = 1000;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>Creates a list for a campaign (by its slug); null when the account has no such campaign.</summary>
    public async Task<ProspectList?> CreateListAsync(string accountId, string name, string campaignSlug, CancellationToken cancellationToken)
    {
        if (await campaigns.FindBySlugAsync(accountId, campaignSlug, cancellationToken) is not { Campaign.Dialer: not null } campaign)
            return null;
        var baseSlug = Slug.From(name, "list");
        var id = Guid.NewGuid().ToString("D");
        for (var n = 1; n <= MaxSlugSuffix; n++)
        {
            var list = new ProspectList(accountId, id, n == 1 ? baseSlug : Slug.WithSuffix(baseSlug, n), name, campaign.Campaign.Id,
                campaignSlug, Now, ListCounts.Zero, default);
            if (await lists.InsertAsync(list, cancellationToken))
                return list;
        }
        throw new InvalidOperationException($"No free slug for '{baseSlug}' after {MaxSlugSuffix} tries");
    }

    /// <summary>
    /// Offers one valid prospect to a list: a dupe is counted and left out; otherwise it becomes a contact of the
    /// list's campaign, the account's phone index records the import, and the campaign is nudged so a sleeping one
    /// dials it. The list's counts change either way.
    /// </summary>
    public async Task<ProspectOutcome> AddAsync(ProspectList list, Prospect prospect, CancellationToken cancellationToken)
    {
        var stored = await campaigns.GetAsync(list.AccountId, list.CampaignId, cancellationToken)
            ?? throw new InvalidOperationException($"The campaign of list {list.Id} is gone");
        var settings = stored.Campaign.Dialer!;
        var now = Now;
        var phone = prospect.Phone;
        var inCampaign = await contacts.GetAsync(stored.Campaign.Id, stored.ContactShards, phone, cancellationToken) is not null;
        var record = inCampaign ? null : await phones.GetAsync(list.AccountId, phone.E164, cancellationToken);
        var lastDialed = record is null ? null : await LastDialedAsync(list.AccountId, record, phone, cancellationToken);
        if (Dupes.IsDupe(inCampaign, settings.DupeDays, record?.ImportedAt, lastDialed, now))
        {
            await lists.AddCountsAsync(list.AccountId, list.Id, new ListCounts(1, 0, 1, 0, 0), cancellationToken);
            return ProspectOutcome.Dupe;
        }
        var spec = ToContact(prospect, list.Id, now);
        var already = await contacts.AddProspectsAsync(stored.Campaign.Id, stored.ContactShards, [spec], cancellationToken);
        if (already.Count > 0)
        {
            await lists.AddCountsAsync(list.AccountId, list.Id, new ListCounts(1, 0, 1, 0, 0), cancellationToken);
            return ProspectOutcome.Dupe; // added by a concurrent request a moment ago
        }
        await phones.RecordAsync(list.AccountId, phone.E164, stored.Campaign.Id, now, cancellationToken);
        await lists.AddCountsAsync(list.AccountId, list.Id, new ListCounts(1, 1, 0, 0, 0), cancellationToken);
        await queues.WakeAsync(list.AccountId, stored.Campaign.Id, "prospects added", cancellationToken);
        return ProspectOutcome.Added;
    }

    /// <summary>A prospect as a contact: its name is "first last"; state, import time and list travel with it.</summary>
    internal static ContactSpec ToContact(Prospect prospect, string listId, Instant now)
    {
        var name = string.Join(' ', new[] { prospect.FirstName, prospect.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
        var fields = new List<KeyValuePair<string, string>>();
        if (prospect.FirstName is not null)
            fields.Add(new("first_name", System.Text.Json.JsonSerializer.Serialize(prospect.FirstName)));
        if (prospect.LastName is not null)
            fields.Add(new("last_name", System.Text.Json.JsonSerializer.Serialize(prospect.LastName)));
        fields.AddRange(prospect.CustomFields.Select(f => new KeyValuePair<string, string>(f.Name, System.Text.Json.JsonSerializer.Serialize(f.Value))));
        return new ContactSpec(prospect.Phone, name, prospect.TimeZone, new CustomFields(fields))
        {
            State = prospect.State, ImportedAt = now, ListId = listId,
        };
    }

    /// <summary>
    /// When the campaign that last imported the number last called it (its contact row keeps its attempts). Calls by
    /// campaigns that imported the number earlier are not looked at: the index keeps the latest import only.
    /// </summary>
    internal async Task<Instant?> LastDialedAsync(string accountId, PhoneRecord record, PhoneNumber phone, CancellationToken cancellationToken)
    {
        if (await campaigns.GetAsync(accountId, record.CampaignId, cancellationToken) is not { } campaign)
            return null;
        var contact = await contacts.GetAsync(campaign.Campaign.Id, campaign.ContactShards, phone, cancellationToken);
        return contact?.State.History.LastOrDefault()?.StartedAt;
    }
}
