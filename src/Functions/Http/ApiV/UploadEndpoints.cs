using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Uploads;

namespace Campaigns.Functions.Http.ApiV;

public sealed record UploadBatchesView(int Total, int Done, int Failed);

public sealed record UploadView(
    string Uuid, string List, string FileName, long Bytes, bool Dedupe, string Status, string CreatedAt, string? FinishedAt,
    int Attempted, int Valid, int Dupes, int Dnc, int Invalid, UploadBatchesView Batches, string? Error, string ErrorReport);

/// <summary>
/// CSV uploads (<c>POST /api/v/upload/{list_slug}/</c>), their progress (<c>GET /api/v/upload/{uuid}/</c>), their
/// error report (<c>GET /api/v/upload/{uuid}/errors/</c>, CSV: line, field, reason) and retries
/// (<c>POST /api/v/upload/{uuid}/retry/</c>).
/// </summary>
internal static class UploadEndpoints
{
    public static void MapUploads(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v/upload").RequireAccount().WithTags("Campaign Scheduler API (/api/v)");
        group.MapPost("/{list_slug}/", UploadAsync).WithName("SchedulerUpload").WithSummary("Upload a CSV of prospects to a list (multipart: file, dedupe)")
            .DisableAntiforgery();
        group.MapGet("/{uuid}/", GetAsync).WithName("SchedulerGetUpload").WithSummary("An upload's status and counts");
        group.MapGet("/{uuid}/errors/", ErrorsAsync).WithName("SchedulerUploadErrors").WithSummary("The rows an upload refused: line, field, reason (CSV)");
        group.MapPost("/{uuid}/retry/", RetryAsync).WithName("SchedulerRetryUpload").WithSummary("Redo the failed batches of an upload");
    }

    internal static UploadView View(Upload u) => new(u.Id, u.ListSlug, u.FileName, u.Bytes, u.Dedupe, u.Status, V1.CampaignViews.Utc(u.CreatedAt),
        u.FinishedAt is { } finished ? V1.CampaignViews.Utc(finished) : null, u.Counts.Attempted, u.Counts.Valid, u.Counts.Dupes, u.Counts.Dnc,
        u.Counts.Invalid, new UploadBatchesView(u.Batches, u.BatchesDone, u.BatchesFailed), u.Error, $"/api/v/upload/{u.Id}/errors/");

    /// <summary>
    /// Stores the file and answers at once (201, <c>Location</c> the upload): the seed's message plus the upload's
    /// <c>uuid</c> and <c>status</c> (<c>pending</c>). <c>dedupe</c> (true or false, default true) applies the
    /// campaign's <c>dupe_days</c> over the account; a number already in the campaign or twice in the file is a dupe either way.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext http, string list_slug, ListStore lists, CampaignStore campaigns, UploadCommands commands,
        CancellationToken cancellationToken)
    {
        if (await lists.FindBySlugAsync(http.AccountId(), list_slug, cancellationToken) is not { } list)
            return Problems.NotFound($"No list '{list_slug}' in this account.");
        if (await campaigns.GetAsync(list.AccountId, list.CampaignId, cancellationToken) is not { Campaign.Dialer: not null } campaign)
            return Problems.NotFound($"The campaign of list '{list.Slug}' no longer exists.");
        var (upload, refusal) = await commands.ReceiveAsync(http.Request, list, campaign, cancellationToken);
        if (refusal is not null)
        {
            return refusal.Status switch
            {
                StatusCodes.Status415UnsupportedMediaType => Problems.UnsupportedMediaType(refusal.Error.Message),
                StatusCodes.Status413PayloadTooLarge => Results.Problem(statusCode: 413, type: Problems.TypePrefix + "payload-too-large",
                    title: "The file is too large.", detail: $"file {refusal.Error.Message}",
                    extensions: new Dictionary<string, object?> { ["errors"] = new[] { new Problems.FieldProblem(refusal.Error.Field, Problems.Pointer(refusal.Error.Field), refusal.Error.Message) } }),
                _ => Problems.Validation([refusal.Error]),
            };
        }
        return Results.Json(new { message = "Uploaded successfully.", uuid = upload!.Id, status = upload.Status, list = list.Slug },
            statusCode: StatusCodes.Status201Created, contentType: "application/json");
    }

    private static async Task<IResult> GetAsync(HttpContext http, string uuid, UploadStore uploads, CancellationToken cancellationToken) =>
        await uploads.GetAsync(http.AccountId(), uuid, cancellationToken) is { } upload
            ? Results.Json(View(upload))
            : Problems.NotFound($"No upload '{uuid}' in this account.");

    /// <summary>Streams the refused rows in line order as CSV (<c>line,field,reason</c>); the header row alone when none.</summary>
    private static async Task<IResult> ErrorsAsync(HttpContext http, string uuid, UploadStore uploads, CancellationToken cancellationToken)
    {
        if (await uploads.GetAsync(http.AccountId(), uuid, cancellationToken) is not { } upload)
            return Problems.NotFound($"No upload '{uuid}' in this account.");
        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(false));
            await writer.WriteAsync("line,field,reason\n");
            if (upload.Error is { } splitError)
                await writer.WriteAsync($"1,file,{Csv(splitError)}\n");
            await foreach (var problem in uploads.ReadProblemsAsync(upload, cancellationToken))
                await writer.WriteAsync($"{problem.Line},{Csv(problem.Field)},{Csv(problem.Reason)}\n");
        }, "text/csv; charset=utf-8", $"upload-{upload.Id}-errors.csv");
    }

    /// <summary>
    /// <c>{"success": true}</c> once the failed batches (or a failed split) are queued again; 404 for an unknown upload;
    /// 409 when the upload has not failed (pending, processing and completed uploads have nothing to redo).
    /// </summary>
    private static async Task<IResult> RetryAsync(HttpContext http, string uuid, UploadStore uploads, UploadCommands commands, UploadBlobs blobs,
        CancellationToken cancellationToken)
    {
        if (await uploads.GetAsync(http.AccountId(), uuid, cancellationToken) is not { } upload)
            return Problems.NotFound($"No upload '{uuid}' in this account.");
        if (upload.Status == UploadStatus.Failed && !(await blobs.File(upload.Id).ExistsAsync(cancellationToken)).Value)
        {
            // Retention deleted the file (Retention__UploadBlobDays after the upload ended): nothing is left to retry from.
            return Problems.Conflict($"Upload {upload.Id} ended too long ago: its file has expired and was deleted. Upload the file again.",
                new Dictionary<string, object?> { ["status"] = upload.Status, ["expired"] = true });
        }
        return await commands.RetryAsync(upload, cancellationToken) is { } queued
            ? Results.Json(new { success = true, batches = queued })
            : Problems.Conflict($"Upload {upload.Id} is {upload.Status}; only a failed upload can be retried.",
                new Dictionary<string, object?> { ["status"] = upload.Status });
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
