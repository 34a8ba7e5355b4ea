using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Campaigns.Domain.Scheduling;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Infrastructure;
using NodaTime;

namespace Campaigns.Functions.Tests.Api;

/// <summary>The seed's world: its example campaign is created on 2024-01-28 (its created_at), Asia/Kolkata contacts.</summary>
public sealed class SeedClockFixture() : AppFixture(new DateTimeOffset(2024, 1, 28, 14, 22, 10, TimeSpan.Zero), []);

/// <summary>
/// The curl examples of the Campaigns API document (docs/seeds/campaigns-api.txt, the customer's text), extracted from
/// the document and run with real curl against the app, only the host, the key and the campaign id swapped.
/// </summary>
public sealed partial class SeedExamplesTests(SeedClockFixture app) : IClassFixture<SeedClockFixture>
{
    private static readonly string SeedText = File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "docs", "seeds", "campaigns-api.txt"));

    [Fact]
    public async Task SeedCurlExamples_RunAsDocumented()
    {
        var examples = CurlExamples(SeedText);
        Assert.Equal(4, examples.Count); // create, list, pause, remove contacts

        var (client, key) = await app.NewAccountAsync();
        // Calls to these contacts may start only from 12:00 their time, so the seed's later steps (pause, then remove
        // two contacts still pending) meet the campaign as the seed describes it: running, nobody called yet.
        await app.Service<AccountStore>().SetLegalHoursAsync(await app.AccountOfAsync(key), new LegalHours(new LocalTime(12, 0), new LocalTime(21, 0)), CancellationToken.None);

        var create = await RunAsync(examples[0], key, campaignId: null);
        var expected = ExampleResponses(SeedText)[0];
        var id = create["id"]!.GetValue<string>();
        foreach (var (field, value) in expected)
        {
            if (field is "id")
                continue;
            Assert.Equal(value?.ToJsonString(), create[field]?.ToJsonString());
        }
        Assert.Equal(expected.Select(p => p.Key), create.Select(p => p.Key));
        Assert.Matches("^cmp_[0-9A-Za-z]+$", id);

        // The list example filters status=running: the campaign runs once its schedule starts (09:00 in Kolkata).
        Assert.Empty((await RunAsync(examples[1], key, id))["data"]!.AsArray());
        app.Clock.SetUtcNow(new DateTimeOffset(2024, 2, 1, 4, 0, 0, TimeSpan.Zero)); // 09:30 in Kolkata
        var listed = await Eventually.UntilAsync(() => RunAsync(examples[1], key, id), l => l["data"]!.AsArray().Count == 1, "the campaign runs");
        Assert.Equal(id, listed["data"]!.AsArray().Single()!["id"]!.GetValue<string>());
        var contacts = await Eventually.UntilAsync(
            async () => await (await client.GetAsync($"/v1/campaigns/{id}/contacts")).BodyAsync(),
            c => c["data"]!.AsArray().All(x => x!["waiting_reason"]?.GetValue<string>() == "outside_legal_hours"), "contacts wait for their hours");
        Assert.All(contacts["data"]!.AsArray(), c => Assert.Equal("2024-02-01T06:30:00Z", c!["next_attempt_at"]!.GetValue<string>()));

        var paused = await RunAsync(examples[2], key, id);
        Assert.Equal("paused", paused["status"]!.GetValue<string>());

        var removed = await RunAsync(examples[3], key, id);
        Assert.Equal(ExampleResponses(SeedText)[1].ToJsonString(), removed.ToJsonString());
    }

    private async Task<JsonObject> RunAsync(string curl, string key, string? campaignId)
    {
        var command = curl.Replace("https://api.vinfer.ai", app.BaseAddress.ToString().TrimEnd('/'))
            .Replace("YOUR_API_KEY", key);
        if (campaignId is not null)
            command = command.Replace("cmp_4Rv8sT1wX", campaignId);
        var info = new ProcessStartInfo("bash", ["-c", command + " --silent --show-error --fail-with-body"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl failed ({process.ExitCode}): {error} {output}\n{command}");
        return JsonNode.Parse(output)!.AsObject();
    }

    /// <summary>Every command that starts with "curl" in the text, its backslash-continued lines joined.</summary>
    private static List<string> CurlExamples(string text)
    {
        var examples = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("curl ", StringComparison.Ordinal))
                continue;
            var command = new List<string> { lines[i] };
            while (lines[i].TrimEnd().EndsWith('\\') || OpenQuote(string.Join("\n", command)))
                command.Add(lines[++i]);
            examples.Add(string.Join("\n", command));
        }
        return examples;
    }

    private static bool OpenQuote(string command) => command.Count(c => c == '\'') % 2 == 1;

    /// <summary>The JSON objects that follow "Example Response" in the text, in order.</summary>
    private static List<JsonObject> ExampleResponses(string text) =>
        ExampleResponse().Matches(text).Select(m => JsonNode.Parse(m.Groups[1].Value)!.AsObject()).ToList();

    [GeneratedRegex(@"Example Response\s*\n\s*\n(\{.*?\n\})", RegexOptions.Singleline)]
    private static partial Regex ExampleResponse();
}
