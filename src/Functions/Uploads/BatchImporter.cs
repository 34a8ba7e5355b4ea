using System.Text.Json;
using Campaigns.Domain.Prospects;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Engine;
using Campaigns.Functions.Storage;
using NodaTime;

namespace Campaigns.Functions.Uploads;

/// <summary>
/// The <c>UploadBatch</c> queue function's work: validates one batch of an upload and imports its prospects into the
/// list's campaign, on the same shards and engine as every contact.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Each row is checked by <see cref="ProspectRow"/> with the campaign's <c>locale_name</c>; a refused row is
///   recorded with its line, column and reason.</item>
/// <item>Dupes: a number twice in the batch (the first row wins); a number the campaign already has (always, since a
///   campaign never calls one number for two prospects); and, when the upload asked for <c>dedupe</c> (the default),
///   a number imported or dialed in the account within the campaign's <c>dupe_days</c> (<see cref="Dupes"/>). The
///   account's numbers are read from the bucketed <see cref="PhoneIndex"/>, one read per bucket, not per row.</item>
/// <item>Idempotent: every contact row carries its source (<c>{upload}:{line}</c>) and the phone index the batch that
///   imported it, so a batch run again after a failure part-way counts its own earlier imports as valid, never as
///   dupes, and writes nothing twice. The batch ends in one transaction with the upload's summary, so its counts are
///   added exactly once.</item>
/// <item>A batch that fails on its last delivery (the queue's <c>maxDequeueCount</c>, 5) is marked failed instead of
///   going to the poison queue, so the upload ends as <c>failed</c> and <c>POST /api/v/upload/{uuid}/retry/</c> can
///   redo it.</item>
/// <item>dnc counts rows refused by a do-not-call list; the product keeps none yet (a removed /v1 contact is not one),
///   so it stays 0.</item>
/// </list>
/// </remarks>
internal sealed partial class BatchImporter(
    UploadStore uploads, UploadBlobs blobs, CampaignStore campaigns, ContactStore contacts, PhoneIndex phones, ProspectCommands prospects,
    EngineQueues queues, UploadFaults faults, UploadOptions options, TimeProvider time, ILogger<BatchImporter> log)
{
    public const int MaxDeliveries = 5;
    private readonly SemaphoreSlim _inFlight = new(Math.Max(1, options.ImportsInFlight));

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task HandleAsync(BatchMessage message, long dequeueCount, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            await ImportAsync(message, cancellationToken);
        }
        catch (Exception ex) when (dequeueCount >= MaxDeliveries && ex is not OperationCanceledException)
        {
            LogGaveUp(ex, message.Upload, message.Batch, dequeueCount);
            await uploads.EndBatchAsync(message.Account, message.Upload, message.Batch, UploadStatus.Failed, ListCounts.Zero,
                $"the batch failed {dequeueCount} times; the last error was logged ({ex.GetType().Name}). Retry the upload to run it again.", Now, cancellationToken);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task ImportAsync(BatchMessage message, CancellationToken cancellationToken)
    {
        var upload = await uploads.GetAsync(message.Account, message.Upload, cancellationToken);
        var batch = upload is null ? null : await uploads.GetBatchAsync(message.Account, message.Upload, message.Batch, cancellationToken);
        if (upload is null || batch is not { Status: UploadStatus.Pending })
            return; // gone, or ended already: a redelivered message

        var stored = await campaigns.GetAsync(upload.AccountId, upload.CampaignId, cancellationToken);
        if (stored?.Campaign.Dialer is not { } settings)
        {
            await uploads.EndBatchAsync(upload.AccountId, upload.Id, batch.Number, UploadStatus.Failed, ListCounts.Zero,
                "the list's campaign was deleted", Now, cancellationToken);
            return;
        }
        var now = Now;
        var headers = upload.Headers ?? throw new InvalidOperationException($"Upload {upload.Id} has batches but no header");
        var content = await blobs.Batch(upload.Id, batch.Number).DownloadContentAsync(cancellationToken);

        // 1. Check every row; a number twice in the batch is a dupe after its first row.
        var problems = new List<UploadProblem>();
        var candidates = new Dictionary<string, (Prospect Prospect, int Line)>();
        int attempted = 0, invalid = 0, dupes = 0;
        foreach (var (line, error, cells) in ReadRows(content.Value.Content))
        {
            attempted++;
            var refusal = error is not null ? ("row", error)
                : cells.Count > headers.Count ? ("row", $"the row has {cells.Count} cells but the header names {headers.Count} columns")
                : default;
            if (refusal.Item1 is null)
            {
                switch (ProspectRow.Parse(headers.Select((h, i) => new KeyValuePair<string, string?>(h, i < cells.Count ? cells[i] : null)), settings.LocaleName, line))
                {
                    case ProspectRowResult.Invalid bad:
                        refusal = (bad.Field, bad.Reason);
                        break;
                    case ProspectRowResult.Valid { Prospect: var prospect } when candidates.TryGetValue(prospect.Phone.E164, out var first):
                        dupes++;
                        problems.Add(new UploadProblem(line, ProspectRow.PrimaryPhone, $"dupe: {prospect.Phone.E164} is on line {first.Line} of this file"));
                        continue;
                    case ProspectRowResult.Valid { Prospect: var prospect }:
                        candidates[prospect.Phone.E164] = (prospect, line);
                        continue;
                }
            }
            invalid++;
            problems.Add(new UploadProblem(line, refusal.Item1!, refusal.Item2!));
        }

        faults.Check(upload.Id, batch.Number, candidates.Keys, UploadFaults.Stage.BeforeImport);

        // 2. The account's phone index, one read per bucket: dupes by campaign and dupe_days, and this batch's own earlier imports.
        var source = PhoneRecord.UploadSource(upload.CampaignId, upload.Id, batch.Number);
        var buckets = candidates.Keys.GroupBy(PhoneIndex.BucketOf).ToList();
        var indexed = new Dictionary<string, PhoneRecord>();
        var read = new System.Collections.Concurrent.ConcurrentDictionary<int, PhoneIndex.PhoneBucket>();
        await Parallel.ForEachAsync(buckets, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var bucket = read[group.Key] = await phones.ReadAsync(upload.AccountId, group.Key, ct);
            foreach (var e164 in group)
            {
                if (bucket.Find(e164) is { } record)
                {
                    lock (indexed)
                        indexed[e164] = record;
                }
            }
        });
        var imported = new List<string>();   // ours: in the campaign now, by this batch
        var toInsert = new List<(Prospect Prospect, int Line)>();
        foreach (var (e164, candidate) in candidates.OrderBy(c => c.Value.Line))
        {
            var record = indexed.GetValueOrDefault(e164);
            if (record?.Source == source)
            {
                imported.Add(e164); // this batch imported it before it failed
                continue;
            }
            var inCampaign = record?.CampaignId == upload.CampaignId;
            var lastDialed = !inCampaign && upload.Dedupe && record is not null && !Dupes.IsDupe(false, settings.DupeDays, record.ImportedAt, null, now)
                && settings.DupeDays != Dupes.Disabled
                ? await prospects.LastDialedAsync(upload.AccountId, record, candidate.Prospect.Phone, cancellationToken)
                : null;
            if (inCampaign || (upload.Dedupe && Dupes.IsDupe(false, settings.DupeDays, record?.ImportedAt, lastDialed, now)))
            {
                dupes++;
                problems.Add(new UploadProblem(candidate.Line, ProspectRow.PrimaryPhone, inCampaign
                    ? $"dupe: {e164} is already a prospect of this campaign"
                    : $"dupe: {e164} was imported or dialed in this account within dupe_days ({settings.DupeDays})"));
                continue;
            }
            toInsert.Add(candidate);
        }

        // 3. The contacts, then the index (so an index entry always has its contact row).
        var specs = toInsert.Select(c => ProspectCommands.ToContact(c.Prospect, upload.ListId, now) with { Source = $"{upload.Id}:{c.Line}" }).ToList();
        var existing = await contacts.AddProspectsAsync(upload.CampaignId, stored.ContactShards, specs, cancellationToken);
        var mine = await OursAmongAsync(upload, stored.ContactShards, existing, cancellationToken);
        foreach (var (prospect, line) in toInsert)
        {
            var e164 = prospect.Phone.E164;
            if (!existing.Contains(e164) || mine.Contains($"{upload.Id}:{line}"))
            {
                imported.Add(e164);
            }
            else
            {
                dupes++;
                problems.Add(new UploadProblem(line, ProspectRow.PrimaryPhone, $"dupe: {e164} is already a prospect of this campaign"));
            }
        }
        faults.Check(upload.Id, batch.Number, candidates.Keys, UploadFaults.Stage.AfterContacts);
        await Parallel.ForEachAsync(imported.GroupBy(PhoneIndex.BucketOf), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (group, ct) => await phones.RecordAsync(upload.AccountId, group.Key, group.ToList(), source, now, ct, read.GetValueOrDefault(group.Key)));

        // 4. The refused lines, the batch's end (with the summary), and a nudge so a sleeping campaign dials.
        await uploads.WriteProblemsAsync(upload.AccountId, upload.Id, problems, cancellationToken);
        var counts = new ListCounts(attempted, imported.Count, dupes, 0, invalid);
        if (await uploads.EndBatchAsync(upload.AccountId, upload.Id, batch.Number, UploadStatus.Completed, counts, null, now, cancellationToken, batch) && imported.Count > 0)
            await queues.WakeSoonAsync(upload.AccountId, upload.CampaignId, "contacts imported", cancellationToken); // one wake-up for the batches of a moment
    }

    /// <summary>The sources (<c>{upload}:{line}</c>) of contacts that were already there, as far as they are this upload's.</summary>
    private async Task<HashSet<string>> OursAmongAsync(Upload upload, int shards, IReadOnlyList<string> existing, CancellationToken cancellationToken)
    {
        var sources = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in existing.GroupBy(e164 => ContactSharding.PartitionKeyOf(upload.CampaignId, e164, shards)))
        {
            foreach (var contact in (await contacts.GetManyAsync(group.Key, group, cancellationToken)).Values)
            {
                if (contact.State.Spec.Source is { } s && s.StartsWith(upload.Id + ":", StringComparison.Ordinal))
                    sources.Add(s);
            }
        }
        return sources;
    }

    /// <summary>The rows of a batch blob: one JSON array per line, <c>[line, error, cell, cell, ...]</c>.</summary>
    private static IEnumerable<(int Line, string? Error, List<string> Cells)> ReadRows(BinaryData content)
    {
        var memory = content.ToMemory();
        var start = 0;
        while (start < memory.Length)
        {
            var end = memory.Span[start..].IndexOf((byte)'\n');
            var line = end < 0 ? memory[start..] : memory.Slice(start, end);
            start = end < 0 ? memory.Length : start + end + 1;
            if (line.Length == 0)
                continue;
            yield return Parse(line.Span);
        }

        static (int, string?, List<string>) Parse(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json);
            reader.Read(); // [
            reader.Read();
            var number = reader.GetInt32();
            reader.Read();
            var error = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            var cells = new List<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
                cells.Add(reader.GetString()!);
            return (number, error, cells);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload {Upload} batch {Batch} failed on delivery {Delivery}; marked failed")]
    private partial void LogGaveUp(Exception ex, string upload, int batch, long delivery);
}

/// <summary>
/// Fault injection for the upload pipeline's tests and drills: a batch holding a number listed here throws at the
/// given stage (before it writes anything, or after its contact rows are written and before the phone index and its
/// end), as a storage outage would, until cleared. Empty in production: nothing adds to it.
/// </summary>
internal sealed class UploadFaults
{
    public enum Stage { BeforeImport, AfterContacts }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Stage> _numbers = new();

    public void FailBatchesWith(string e164, Stage stage) => _numbers[e164] = stage;

    public void Clear() => _numbers.Clear();

    public void Check(string uploadId, int batch, IEnumerable<string> numbers, Stage stage)
    {
        if (!_numbers.IsEmpty && numbers.Any(n => _numbers.TryGetValue(n, out var at) && at == stage))
            throw new InjectedFaultException($"Injected failure of upload {uploadId} batch {batch} at {stage}");
    }
}

internal sealed class InjectedFaultException(string message) : Exception(message);
