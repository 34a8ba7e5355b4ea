using System.Buffers;
using System.Text;
using System.Text.Json;
using Campaigns.Domain.Prospects;
using Campaigns.Functions.Storage;

namespace Campaigns.Functions.Uploads;

/// <summary>
/// The <c>UploadSplit</c> blob trigger's work: reads an uploaded CSV as a stream (bounded memory, whatever its size)
/// and cuts it into batches, each the rows of one contact shard of the list's campaign, so a batch's contact writes
/// and phone-index buckets are its own. A row goes to the shard of its number's shape
/// (<see cref="ProspectPhone.RoutingKey"/>); rows whose number cannot even be shaped go to batches of their own,
/// where they are refused with their reason. Validation and import are the batches' work (<see cref="BatchImporter"/>),
/// which start while the split is still running: each batch is queued as soon as it is full.
/// </summary>
/// <remarks>
/// Idempotent: batch numbers follow from the file alone, so a split run again (a crash, a redelivery) writes the same
/// batches; a batch that already exists and has ended is not queued again.
/// </remarks>
internal sealed partial class UploadSplitter(UploadStore uploads, UploadBlobs blobs, UploadOptions options, TimeProvider time, ILogger<UploadSplitter> log)
{
    public async Task SplitAsync(string uploadId, CancellationToken cancellationToken)
    {
        var file = blobs.File(uploadId);
        var properties = await file.GetPropertiesAsync(cancellationToken: cancellationToken);
        if (!properties.Value.Metadata.TryGetValue("account", out var accountId))
            return; // not one of ours
        var upload = await uploads.GetAsync(accountId, uploadId, cancellationToken);
        if (upload is null || upload.SplitDone)
            return;

        await using var stream = await file.OpenReadAsync(new Azure.Storage.Blobs.Models.BlobOpenReadOptions(false) { BufferSize = 4 * 1024 * 1024 }, cancellationToken);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        var records = new CsvRecords(reader);
        var header = records.Next();
        var problem = header is null ? "the file is empty" : header.Error ?? ProspectHeader.Problem(header.Cells);
        if (problem is not null)
        {
            await uploads.UpdateAsync(accountId, uploadId, u => u with { Error = problem, Status = UploadStatus.Failed }, Now(), cancellationToken);
            return;
        }
        var headers = header!.Cells.ToList();
        var phoneColumn = ProspectHeader.PhoneColumn(headers);
        await uploads.UpdateAsync(accountId, uploadId, u => u with { Status = UploadStatus.Processing, Headers = headers, Error = null }, Now(), cancellationToken);

        var groups = new GroupBuffer[upload.Shards + 1]; // one per shard, the last for numbers that have no shape
        var next = 0;
        // Full batches are written while reading goes on, up to FlushesInFlight at once: a split is read at the speed of
        // the file, not of storage, and stays well inside a function's time limit while imports load the storage.
        var flushing = new List<Task>();
        var lastLine = header.Line;
        while (records.Next() is { } record)
        {
            lastLine = record.Line;
            var key = phoneColumn < record.Cells.Count ? ProspectPhone.RoutingKey(record.Cells[phoneColumn]) : null;
            var group = key is null ? upload.Shards : ContactSharding.ShardOf(key, upload.Shards);
            var buffer = groups[group] ??= new GroupBuffer();
            buffer.Add(record);
            if (buffer.Rows >= options.BatchRows)
            {
                if (flushing.Find(t => t.IsFaulted || t.IsCanceled) is { } failed)
                    await failed; // a batch that could not be written fails the split (the trigger runs it again)
                flushing.RemoveAll(t => t.IsCompleted);
                if (flushing.Count >= FlushesInFlight)
                    await Task.WhenAny(flushing);
                flushing.Add(FlushAsync(accountId, uploadId, next++, buffer.Rows, buffer.TakeBytes(), cancellationToken));
            }
        }
        await Task.WhenAll(flushing);
        // The last, partly filled batches: numbered in group order, written side by side.
        var rest = groups.Where(b => b is { Rows: > 0 }).Select(b => (Number: next++, Buffer: b!)).ToList();
        await Parallel.ForEachAsync(rest, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (last, ct) => await FlushAsync(accountId, uploadId, last.Number, last.Buffer.Rows, last.Buffer.TakeBytes(), ct));
        var batches = next;
        await uploads.UpdateAsync(accountId, uploadId, u => u with { SplitDone = true, Batches = batches, LastLine = lastLine }, Now(), cancellationToken);
        LogSplit(uploadId, batches, lastLine);
    }

    private NodaTime.Instant Now() => NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow());

    private const int FlushesInFlight = 8;

    private async Task FlushAsync(string accountId, string uploadId, int number, int rows, byte[] content, CancellationToken cancellationToken)
    {
        var created = await uploads.AddBatchAsync(accountId, uploadId, number, rows, cancellationToken);
        var batch = created ? null : await uploads.GetBatchAsync(accountId, uploadId, number, cancellationToken);
        if (created || batch is { Status: UploadStatus.Pending })
        {
            await blobs.Batch(uploadId, number).UploadAsync(new BinaryData(content), overwrite: true, cancellationToken);
            await blobs.SendBatchAsync(new BatchMessage(accountId, uploadId, number), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {Upload} split into {Batches} batches ({Lines} lines)")]
    private partial void LogSplit(string upload, int batches, int lines);

    /// <summary>A batch being filled: one JSON array per row, <c>[line, error, cell, cell, ...]</c>, a row per line.</summary>
    private sealed class GroupBuffer
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        private readonly Utf8JsonWriter _writer;

        public GroupBuffer() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

        public int Rows { get; private set; }

        /// <summary>The batch's bytes, and the buffer emptied for the next batch of its group.</summary>
        public byte[] TakeBytes()
        {
            _writer.Flush();
            var bytes = _buffer.WrittenSpan.ToArray();
            Clear();
            return bytes;
        }

        public void Add(CsvRecord record)
        {
            _writer.WriteStartArray();
            _writer.WriteNumberValue(record.Line);
            if (record.Error is null)
                _writer.WriteNullValue();
            else
                _writer.WriteStringValue(record.Error);
            foreach (var cell in record.Cells)
                _writer.WriteStringValue(cell);
            _writer.WriteEndArray();
            _writer.Flush();
            _buffer.Write("\n"u8);
            _writer.Reset();
            Rows++;
        }

        public void Clear()
        {
            _writer.Flush();
            _buffer.Clear();
            _writer.Reset();
            Rows = 0;
        }
    }
}
