using Campaigns.Domain.Scheduling;
using Campaigns.Domain.Validation;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;
using NodaTime.Text;

namespace Campaigns.Functions.Http.V1;

public sealed record CallingHoursView(string Start, string End, string Note);

public sealed record CallingHoursRequest(string Start, string End);

/// <summary>
/// <c>GET</c> and <c>PUT /v1/account/calling-hours</c>: the legal calling hours of the account, in each contact's own
/// zone (default 08:00 to 21:00, the US rule). An account may narrow them to its jurisdiction's rules. The engine reads
/// them at every wake-up, so a change applies to the next dial of every campaign of the account.
/// </summary>
internal static class AccountEndpoints
{
    private static readonly LocalTimePattern HourMinute = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");
    private const string Note = "Calls start only inside these hours in the contact's own time zone (start inclusive, end exclusive).";

    public static void MapAccount(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/v1/account").RequireAccount().WithTags("Account");
        account.MapGet("/calling-hours", async (HttpContext http, AccountStore accounts, CancellationToken ct) =>
        {
            var hours = await accounts.GetLegalHoursAsync(http.AccountId(), ct);
            return Results.Ok(new CallingHoursView(HourMinute.Format(hours.Start), HourMinute.Format(hours.End), Note));
        }).WithName("GetCallingHours").Produces<CallingHoursView>().ProducesProblem(401);

        account.MapPut("/calling-hours", async (HttpContext http, AccountStore accounts, CancellationToken ct) =>
        {
            var (document, problem) = await JsonBody.ReadObjectAsync(http.Request, ct);
            if (problem is not null)
                return problem;
            var errors = new ValidationErrors();
            string? start = null, end = null;
            using (document)
            {
                var unreadable = JsonBody.Read(() =>
                {
                    start = CreateCampaignReader.String(document!.RootElement, "start", "start", errors);
                    end = CreateCampaignReader.String(document.RootElement, "end", "end", errors);
                });
                if (unreadable is not null)
                    return unreadable;
            }
            if (!errors.Has("start") && !AccountStore.TryParseTime(start, out _))
                errors.Add("start", "is required: a local time HH:mm such as 08:00");
            if (!errors.Has("end") && !AccountStore.TryParseTime(end, out _))
                errors.Add("end", "is required: a local time HH:mm such as 21:00");
            if (!errors.Any && AccountStore.TryParseTime(start, out var s) && AccountStore.TryParseTime(end, out var e) && e <= s)
                errors.Add("end", "must be after start (hours that span midnight are not supported)");
            if (errors.Any)
                return Problems.Validation(errors.All);
            AccountStore.TryParseTime(start, out var from);
            AccountStore.TryParseTime(end, out var to);
            await accounts.SetLegalHoursAsync(http.AccountId(), new LegalHours(from, to), ct);
            return Results.Ok(new CallingHoursView(start!, end!, Note));
        }).WithName("SetCallingHours").Accepts<CallingHoursRequest>("application/json").Produces<CallingHoursView>().ProducesProblem(400).ProducesProblem(401);
    }
}
