using Azure.Data.Tables;
using Campaigns.Domain.Scheduling;
using NodaTime;
using NodaTime.Text;

namespace Campaigns.Functions.Storage;

/// <summary>Per-account settings kept on the account row (table <c>accounts</c>, PartitionKey <c>account</c>).</summary>
internal sealed class AccountStore(CampaignTables tables)
{
    private static readonly LocalTimePattern HourMinute = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");

    /// <summary>The account's legal calling hours; the US default (08:00 to 21:00) unless the account set others.</summary>
    public async Task<LegalHours> GetLegalHoursAsync(string accountId, CancellationToken cancellationToken)
    {
        var row = await tables.Accounts.GetEntityIfExistsAsync<TableEntity>("account", accountId, select: ["CallingHoursStart", "CallingHoursEnd"], cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("CallingHoursStart") is not { } start || row.Value.GetString("CallingHoursEnd") is not { } end)
            return LegalHours.UsDefault;
        return new LegalHours(HourMinute.Parse(start).Value, HourMinute.Parse(end).Value);
    }

    public async Task SetLegalHoursAsync(string accountId, LegalHours hours, CancellationToken cancellationToken) =>
        await tables.Accounts.UpsertEntityAsync(new TableEntity("account", accountId)
        {
            ["CallingHoursStart"] = HourMinute.Format(hours.Start),
            ["CallingHoursEnd"] = HourMinute.Format(hours.End),
        }, TableUpdateMode.Merge, cancellationToken);

    public static bool TryParseTime(string? text, out LocalTime time)
    {
        var result = text is null ? null : HourMinute.Parse(text);
        time = result is { Success: true } ? result.Value : default;
        return result is { Success: true };
    }
}
