using Campaigns.Functions.Tests.Infrastructure;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Campaigns.Domain.Contacts;
using Campaigns.Domain.Dialer;
using Campaigns.Domain.Prospects;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Hosting;
using Campaigns.Functions.Http.Auth;
using Campaigns.Functions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Importing a generated 1,000,000-row CSV (3% dupes, 1% invalid rows) through the whole upload pipeline, next to a
/// parse-only pass over the same file and raw batch writes of the same contact rows. Each storage phase runs in its
/// own process against a fresh emulator (bench.sh); figures go to a JSON file, and <c>upload-report</c> prints the ratios.
/// </summary>
internal static class UploadBenchmark
{
    /// <summary>1,000,000 unless <c>UPLOAD_BENCH_ROWS</c> says otherwise (a multiple of 100), for a quicker look.</summary>
    public static readonly int Rows = int.TryParse(Environment.GetEnvironmentVariable("UPLOAD_BENCH_ROWS"), out var rows) ? rows : 1_000_000;
    public static readonly int Invalid = Rows / 100;               // every row i with i % 100 == 50
    public static readonly int Dupes = 3 * (Rows / 100 - 1);        // rows i >= 100 with i % 100 in {10, 40, 70}
    public static readonly int Valid = Rows - Invalid - Dupes;

    private static string Dir => Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", ".artifacts");
    public static string FilePath => Path.GetFullPath(Path.Combine(Dir, $"bench-upload-{Rows}.csv"));
    private static string FiguresPath => Path.GetFullPath(Path.Combine(Dir, "bench-upload-figures.json"));

    /// <summary>Writes the file once (kept for later runs): phone, names, state, one custom column.</summary>
    public static void Generate()
    {
        if (File.Exists(FilePath) && new FileInfo(FilePath).Length > 0)
        {
            Console.WriteLine($"upload: reusing {FilePath} ({new FileInfo(FilePath).Length / 1e6:F1} MB)");
            return;
        }
        Directory.CreateDirectory(Dir);
        var watch = Stopwatch.StartNew();
        var states = new[] { "NY", "CA", "TX", "FL", "IL", "WA", "MA", "GA" };
        var numbers = new string[Rows];
        var next = 0;
        using (var writer = new StreamWriter(FilePath + ".tmp", false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("primary_phone,first_name,last_name,state,loan_amount\n");
            for (var i = 0; i < Rows; i++)
            {
                string phone;
                if (i % 100 == 50)
                    phone = $"555-01{i % 100:D2}"; // seven digits: invalid
                else if (i >= 100 && i % 100 is 10 or 40 or 70)
                    phone = numbers[i - 37]; // a number seen 37 rows earlier: a dupe
                else
                {
                    do
                        phone = $"(212) {200 + next / 10_000 % 800:D3}-{next % 10_000:D4}";
                    while (!ProspectPhone.TryNormalise(phone, DialerLocale.Usca, out _, out _) && ++next > 0);
                    next++;
                }
                numbers[i] = phone;
                writer.Write($"{phone},First{i},\"Last, {i}\",{states[i % states.Length]},{1000 + i % 90_000}\n");
            }
        }
        File.Move(FilePath + ".tmp", FilePath, overwrite: true);
        Console.WriteLine($"upload: generated {Rows} rows ({Valid} valid, {Dupes} dupes, {Invalid} invalid), {new FileInfo(FilePath).Length / 1e6:F1} MB, in {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The CPU side alone: the file streamed through the CSV reader and the row check, no storage.</summary>
    public static void ParseOnly()
    {
        var best = double.MaxValue;
        var valid = 0;
        for (var round = 0; round < 2; round++)
        {
            var watch = Stopwatch.StartNew();
            valid = 0;
            using var reader = new StreamReader(FilePath, new UTF8Encoding(false), true, 1 << 16);
            var records = new CsvRecords(reader);
            var header = records.Next()!.Cells;
            while (records.Next() is { } record)
            {
                if (ProspectRow.Parse(header.Select((h, i) => new KeyValuePair<string, string?>(h, record.Cells[i])), "USCA", record.Line) is ProspectRowResult.Valid)
                    valid++;
            }
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"upload parse-only: {Rows / best:F0} rows/s ({best:F1} s, best of 2; {valid} rows pass the row check)");
        Save("parse_seconds", best);
    }

    /// <summary>
    /// The baseline: the contact rows the import ends up writing (the valid, distinct prospects, built by the app's own
    /// entity code), written as 100-row transactions into the partitions of a list-fed campaign, 8 in flight (the
    /// app's write parallelism), into a fresh table. Building them is not timed.
    /// </summary>
    public static async Task RawWritesAsync(string connection)
    {
        var campaign = "cmp_raw" + Guid.NewGuid().ToString("N")[..7];
        var seen = new HashSet<string>();
        var specs = new List<ContactSpec>(Valid);
        using (var reader = new StreamReader(FilePath))
        {
            var records = new CsvRecords(reader);
            var header = records.Next()!.Cells;
            var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
            while (records.Next() is { } record)
            {
                if (ProspectRow.Parse(header.Select((h, i) => new KeyValuePair<string, string?>(h, record.Cells[i])), "USCA", record.Line) is ProspectRowResult.Valid { Prospect: var p }
                    && seen.Add(p.Phone.E164))
                    specs.Add(ProspectCommands.ToContact(p, "list", now) with { Source = $"upload:{record.Line}" });
            }
        }
        var shards = ContactSharding.OpenCampaignShards;
        var batches = specs.GroupBy(c => ContactSharding.PartitionKeyOf(campaign, c.Phone.E164, shards))
            .SelectMany(g => g.Chunk(100).Select(chunk => (PartitionKey: g.Key, Contacts: chunk))).ToList();
        var service = CampaignTables.CreateService(new StorageOptions { ConnectionString = connection });
        var table = service.GetTableClient("raw" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateAsync();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
            await table.SubmitTransactionAsync(batch.Contacts.Select(c => new TableTransactionAction(TableTransactionActionType.Add,
                ContactStore.ToEntity(batch.PartitionKey, new ContactState(c, ContactStatus.Pending, 0, null, null), dueKey: null))).ToList(), ct));
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"upload raw batch writes: {specs.Count / seconds:F0} rows/s ({specs.Count} contact rows in {batches.Count} transactions, {seconds:F1} s)");
        Save("raw_seconds", seconds);
        Save("raw_rows", specs.Count);
    }

    /// <summary>
    /// End to end: the local Functions host and the isolated worker in this process (the host's blob and queue
    /// triggers run the split and the batch functions, the upload goes through the host's HTTP proxy to the worker), the file POSTed as multipart from disk, timed until the upload reads completed; the working set
    /// sampled every 100 ms meanwhile.
    /// </summary>
    public static async Task EndToEndAsync(string connection)
    {
        var key = ApiKeys.Generate();
        await using var app = await InProcessFunctionsApp.StartAsync(connection, new Dictionary<string, string?>
        {
            ["CAMPAIGNS_DEV_API_KEY"] = key,
            ["QueuePrefix"] = "", // the functions' bindings name %QueuePrefix%: set, empty (a fresh emulator of its own)
            ["TaskHub"] = "Campaigns",
        }, hostId: "bench-upload");
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        async Task<JsonNode> Post(string path, JsonObject body)
        {
            var response = await client.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        var campaign = await Post("/api/v/campaign/", new JsonObject { ["name"] = "Benchmark", ["active"] = false });
        var list = await Post("/api/v/list/", new JsonObject { ["name"] = "Million", ["campaign"] = campaign["slug"]!.GetValue<string>() });

        var process = Process.GetCurrentProcess();
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                try { await Task.Delay(100, sampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var watch = Stopwatch.StartNew();
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(FilePath), 1 << 16);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "million.csv");
        form.Add(new StringContent("true"), "dedupe");
        var posted = await client.PostAsync($"/api/v/upload/{list["slug"]!.GetValue<string>()}/", form);
        posted.EnsureSuccessStatusCode();
        var accepted = watch.Elapsed.TotalSeconds;
        var uuid = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["uuid"]!.GetValue<string>();
        JsonNode upload;
        var lastReport = watch.Elapsed;
        while (true)
        {
            upload = JsonNode.Parse(await client.GetStringAsync($"/api/v/upload/{uuid}/"))!;
            if (upload["status"]!.GetValue<string>() is "completed" or "failed")
                break;
            if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(30))
            {
                lastReport = watch.Elapsed;
                Console.WriteLine($"  ... {watch.Elapsed.TotalSeconds:F0} s: {upload["status"]}, batches {upload["batches"]!["done"]}/{upload["batches"]!["total"]}, valid {upload["valid"]}");
            }
            await Task.Delay(250);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        sampling.Cancel();
        await sampler;
        process.Refresh();

        var contacts = (await app.Services.GetRequiredService<ShardStore>().ReadProgressAsync(campaign["id"]!.GetValue<string>(), ContactSharding.OpenCampaignShards, CancellationToken.None))
            .Sum(s => s.State.Total);
        var counts = $"attempted {upload["attempted"]}, valid {upload["valid"]}, dupes {upload["dupes"]}, invalid {upload["invalid"]}, dnc {upload["dnc"]}";
        var exact = upload["attempted"]!.GetValue<int>() == Rows && upload["valid"]!.GetValue<int>() == Valid && upload["dupes"]!.GetValue<int>() == Dupes
            && upload["invalid"]!.GetValue<int>() == Invalid && contacts == Valid;
        Console.WriteLine($"upload end to end: {upload["status"]} in {seconds:F1} s (file accepted in {accepted:F1} s, {upload["batches"]!["total"]} batches): " +
                          $"{Rows / seconds:F0} file rows/s, {Valid / seconds:F0} contact rows/s; {counts}; {contacts} contacts in the campaign; " +
                          $"counts {(exact ? "exact" : "NOT as generated")}");
        Console.WriteLine($"upload peak working set: {peak / 1e6:F0} MB sampled during the upload (process peak {process.PeakWorkingSet64 / 1e6:F0} MB; target < 300 MB)");
        Save("e2e_seconds", seconds);
        Save("peak_mb", peak / 1e6);
        Save("exact", exact ? 1 : 0);
    }

    public static void Report()
    {
        var figures = Load();
        double F(string k) => figures.TryGetValue(k, out var v) ? v : double.NaN;
        var raw = F("raw_rows") / F("raw_seconds");
        var e2e = Valid / F("e2e_seconds");
        Console.WriteLine($"upload summary: end to end {e2e:F0} contact rows/s ({Rows / F("e2e_seconds"):F0} file rows/s), raw batch writes {raw:F0} rows/s, " +
                          $"ratio {e2e / raw:F2} (target >= 0.70); parse-only {Rows / F("parse_seconds"):F0} rows/s; peak working set {F("peak_mb"):F0} MB (target < 300); " +
                          $"counts {(F("exact") == 1 ? "exact" : "NOT exact")}");
    }

    private static Dictionary<string, double> Load() =>
        File.Exists(FiguresPath) ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(FiguresPath)) ?? [] : [];

    private static void Save(string key, double value)
    {
        var figures = Load();
        figures[key] = value;
        File.WriteAllText(FiguresPath, JsonSerializer.Serialize(figures));
    }

    public static void Reset()
    {
        if (File.Exists(FiguresPath))
            File.Delete(FiguresPath);
    }
}
