using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Campaigns.Domain.Campaigns;
using Campaigns.Functions.Campaigns;
using Campaigns.Functions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Campaigns.Functions.Tests.Api;

/// <summary>
/// The curl examples of the Campaigns API document (docs/seeds/campaigns-api.txt, the customer's text), extracted from
/// the document and run with real curl against the app, only the host, the key and the campaign id swapped.
/// </summary>
[Collection(AppCollection.Name)]
public sealed partial class SeedExamplesTests(AppFixture app)
{
    private static readonly string SeedText = File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "docs", "seeds", "campaigns-api.txt"));

    [Fact]
    public async Task SeedCurlExamples_RunAsDocumented()
    {
        var examples = CurlExamples(SeedText);
        Assert.Equal(4, examples.Count); // create, list, pause, remove contacts

        var (_, key) = await app.NewAccountAsync();
        var create = await RunAsync(examples[0], key, campaignId: null);
        var expected = ExampleResponses(SeedText)[0];
        var id = create["id"]!.GetValue<string>();
        foreach (var (field, value) in expected)
        {
            if (field is "id" or "created_at")
                continue;
            Assert.Equal(value?.ToJsonString(), create[field]?.ToJsonString());
        }
        Assert.Equal(expected.Select(p => p.Key), create.Select(p => p.Key));
        Assert.Matches("^cmp_[0-9A-Za-z]+$", id);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", create["created_at"]!.GetValue<string>());

        // The list example filters status=running: the campaign runs once its schedule starts (the engine's step).
        Assert.Empty((await RunAsync(examples[1], key, id))["data"]!.AsArray());
        await app.App.Services.GetRequiredService<CampaignCommands>().ApplyAsync(AccountOf(key), id, CampaignTrigger.ScheduleStarted, CancellationToken.None);
        var listed = await RunAsync(examples[1], key, id);
        Assert.Equal(id, listed["data"]!.AsArray().Single()!["id"]!.GetValue<string>());

        var paused = await RunAsync(examples[2], key, id);
        Assert.Equal("paused", paused["status"]!.GetValue<string>());

        var removed = await RunAsync(examples[3], key, id);
        Assert.Equal(ExampleResponses(SeedText)[1].ToJsonString(), removed.ToJsonString());
    }

    private string AccountOf(string key) =>
        app.App.Services.GetRequiredService<global::Campaigns.Functions.Http.Auth.ApiKeys>().ResolveAccountAsync(key, CancellationToken.None).Result!;

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
