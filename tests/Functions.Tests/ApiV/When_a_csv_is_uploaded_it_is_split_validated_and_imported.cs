using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Campaigns.Domain.Contacts;
using Campaigns.Functions.Storage;
using Campaigns.Functions.Tests.Infrastructure;
using Campaigns.Functions.Uploads;

namespace Campaigns.Functions.Tests.ApiV;

/// <summary>Small batches (50 rows), so a file of a few hundred rows runs through many batch functions side by side.</summary>
public sealed class UploadFixture() : AppFixture(new DateTimeOffset(2026, 11, 22, 5, 0, 0, TimeSpan.Zero), new() // a Sunday night: nobody is dialed
{
    ["Uploads:BatchRows"] = "50",
});

/// <summary>
/// CSV uploads against Azurite, through the real pipeline: the file is stored in Blob Storage, the local trigger
/// host fires the blob-triggered split, and the queue-triggered batch functions validate and import.
/// </summary>
public sealed class When_a_csv_is_uploaded_it_is_split_validated_and_imported(UploadFixture app) : IClassFixture<UploadFixture>
{
    private static async Task<(string CampaignId, string ListSlug, string ListId)> CampaignWithListAsync(HttpClient client, int dupeDays = 30)
    {
        var campaign = await (await client.PostAsync("/api/v/campaign/", Requests.Json(new JsonObject
        {
            ["name"] = "Uploads " + Guid.NewGuid().ToString("N")[..6], ["dupe_days"] = dupeDays,
        }))).BodyAsync();
        var list = await (await client.PostAsync("/api/v/list/", Requests.Json(new JsonObject { ["name"] = "November", ["campaign"] = campaign["slug"]!.GetValue<string>() }))).BodyAsync();
        return (campaign["id"]!.GetValue<string>(), list["slug"]!.GetValue<string>(), list["uuid"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, string listSlug, byte[] file, string? dedupe = null, string fileName = "prospects.csv")
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(content, "file", fileName);
        if (dedupe is not null)
            form.Add(new StringContent(dedupe), "dedupe");
        return client.PostAsync($"/api/v/upload/{listSlug}/", form);
    }

    private static async Task<JsonObject> FinishedAsync(HttpClient client, string uuid) =>
        (JsonObject)await Eventually.UntilAsync(() => client.GetFromJsonNodeAsync($"/api/v/upload/{uuid}/"),
            u => u["status"]!.GetValue<string>() is "completed" or "failed", $"upload {uuid} finishes", TimeSpan.FromSeconds(90));

    private static void AssertCounts(JsonNode upload, int attempted, int valid, int dupes, int invalid)
    {
        Assert.Equal(attempted, upload["attempted"]!.GetValue<int>());
        Assert.Equal(valid, upload["valid"]!.GetValue<int>());
        Assert.Equal(dupes, upload["dupes"]!.GetValue<int>());
        Assert.Equal(invalid, upload["invalid"]!.GetValue<int>());
        Assert.Equal(0, upload["dnc"]!.GetValue<int>());
    }

    private async Task<int> ContactsInCampaignAsync(string campaignId) =>
        (await app.Service<ShardStore>().ReadProgressAsync(campaignId, ContactSharding.OpenCampaignShards, CancellationToken.None)).Sum(s => s.State.Total);

    [Fact]
    public async Task A_file_with_a_bom_crlf_and_quoted_cells_is_imported_and_every_refused_row_is_reported_by_line()
    {
        var (client, _) = await app.NewAccountAsync();
        var (campaignId, listSlug, _) = await CampaignWithListAsync(client);
        var csv = "primary_phone,first_name,last_name,state,timezone,loan_amount,notes\r\n"
            + "(212) 555-0101,Ada,Lovelace,NY,,\"75,000\",\"said \"\"call me\"\"\r\nafter 5\"\r\n"   // lines 2-3: a quoted line break
            + "2125550102,Alan,Turing,New York,America/New_York,1000,\r\n"                          // line 4
            + "+1 212 555 0101,Ada,Again,NY,,,\r\n"                                                  // line 5: same number as line 2
            + "12345,Bad,Number,NY,,,\r\n"                                                           // line 6: invalid number
            + "2125550103,Grace,Hopper,Narnia,,,\r\n"                                                // line 7: invalid state
            + "\r\n"                                                                                 // line 8: blank, not a row
            + "2125550104,Edsger,Dijkstra,,Mars/Olympus,,\r\n"                                       // line 9: invalid zone
            + "2125550105,Barbara,Liskov,MA,,,";                                                     // line 10, no line end
        var file = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray();

        var response = await UploadAsync(client, listSlug, file, dedupe: "true");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.BodyAsync();
        Assert.Equal("Uploaded successfully.", body["message"]!.GetValue<string>());
        var uuid = body["uuid"]!.GetValue<string>();
        var upload = await FinishedAsync(client, uuid);
        Assert.Equal("completed", upload["status"]!.GetValue<string>());
        AssertCounts(upload, attempted: 7, valid: 3, dupes: 1, invalid: 3);

        var report = await client.GetStringAsync($"/api/v/upload/{uuid}/errors/");
        var lines = report.TrimEnd('\n').Split('\n');
        Assert.Equal("line,field,reason", lines[0]);
        Assert.Equal(["5,primary_phone", "6,primary_phone", "7,state", "9,timezone"], lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(2))));
        Assert.Contains("line 2", lines[1]);

        var contacts = app.Service<ContactStore>();
        var ada = await contacts.GetAsync(campaignId, ContactSharding.OpenCampaignShards, PhoneNumber.Parse("+12125550101"), CancellationToken.None);
        Assert.NotNull(ada);
        Assert.Equal("Ada Lovelace", ada.State.Spec.Name);
        Assert.Equal("NY", ada.State.Spec.State);
        var fields = ada.State.Spec.CustomFields.RawJsonByName.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("\"75,000\"", fields["loan_amount"]);
        Assert.Equal("\"said \\u0022call me\\u0022\\r\\nafter 5\"", fields["notes"]);
        Assert.Equal(3, await ContactsInCampaignAsync(campaignId));

        var list = await client.GetFromJsonNodeAsync($"/api/v/list/{listSlug}/");
        Assert.Equal(3, list["counts"]!["valid"]!.GetValue<int>());
        Assert.Equal(7, list["counts"]!["attempted"]!.GetValue<int>());
        Assert.Equal(uuid, list["uploads"]![0]!["uuid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Many_batches_of_a_large_file_count_exactly_with_dupes_across_batches_and_lf_endings()
    {
        var (client, _) = await app.NewAccountAsync();
        var (campaignId, listSlug, _) = await CampaignWithListAsync(client);
        var csv = new StringBuilder("first_name,primary_phone,last_name,segment\n");
        const int unique = 1200;
        for (var i = 0; i < unique; i++)
            csv.Append($"P{i},{Requests.UsPhone(i)[2..]},L{i},s{i % 7}\n");
        for (var i = 0; i < 40; i++)
            csv.Append($"Again{i},+{Requests.UsPhone(i * 29)[1..]},X,s\n"); // 40 repeats of earlier numbers
        for (var i = 0; i < 12; i++)
            csv.Append($"Bad{i},555-01{i:D2},X,s\n"); // 9 digits: invalid

        var uuid = (await (await UploadAsync(client, listSlug, Encoding.UTF8.GetBytes(csv.ToString()))).BodyAsync())["uuid"]!.GetValue<string>();
        var upload = await FinishedAsync(client, uuid);

        Assert.Equal("completed", upload["status"]!.GetValue<string>());
        AssertCounts(upload, attempted: unique + 52, valid: unique, dupes: 40, invalid: 12);
        Assert.True(upload["batches"]!["total"]!.GetValue<int>() > 20, "the file was split into many batches");
        Assert.Equal(unique, await ContactsInCampaignAsync(campaignId));
        var report = (await client.GetStringAsync($"/api/v/upload/{uuid}/errors/")).TrimEnd('\n').Split('\n').Skip(1).ToList();
        Assert.Equal(52, report.Count);
        Assert.Equal(report.Select(l => int.Parse(l.Split(',')[0])).Order(), report.Select(l => int.Parse(l.Split(',')[0])));
    }

    [Fact]
    public async Task Dupes_follow_the_campaign_and_dupe_days_unless_dedupe_is_off()
    {
        var (client, _) = await app.NewAccountAsync();
        var (firstCampaign, firstList, _) = await CampaignWithListAsync(client);
        var (secondCampaign, secondList, _) = await CampaignWithListAsync(client);
        var (thirdCampaign, thirdList, _) = await CampaignWithListAsync(client);
        var csv = Encoding.UTF8.GetBytes("primary_phone\n2125550201\n2125550202\n");

        var first = await FinishedAsync(client, (await (await UploadAsync(client, firstList, csv)).BodyAsync())["uuid"]!.GetValue<string>());
        AssertCounts(first, attempted: 2, valid: 2, dupes: 0, invalid: 0);

        // The same numbers again: to the same campaign always dupes (even with dedupe off); elsewhere dupes within dupe_days.
        var again = await FinishedAsync(client, (await (await UploadAsync(client, firstList, csv, dedupe: "false")).BodyAsync())["uuid"]!.GetValue<string>());
        AssertCounts(again, attempted: 2, valid: 0, dupes: 2, invalid: 0);
        var elsewhere = await FinishedAsync(client, (await (await UploadAsync(client, secondList, csv)).BodyAsync())["uuid"]!.GetValue<string>());
        AssertCounts(elsewhere, attempted: 2, valid: 0, dupes: 2, invalid: 0);
        var noDedupe = await FinishedAsync(client, (await (await UploadAsync(client, thirdList, csv, dedupe: "false")).BodyAsync())["uuid"]!.GetValue<string>());
        AssertCounts(noDedupe, attempted: 2, valid: 2, dupes: 0, invalid: 0);

        Assert.Equal(2, await ContactsInCampaignAsync(firstCampaign));
        Assert.Equal(0, await ContactsInCampaignAsync(secondCampaign));
        Assert.Equal(2, await ContactsInCampaignAsync(thirdCampaign));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_failed_batch_is_redone_by_retry_without_duplicate_prospects(bool failAfterContactsWereWritten)
    {
        var (client, _) = await app.NewAccountAsync();
        var (campaignId, listSlug, _) = await CampaignWithListAsync(client);
        var csv = new StringBuilder("primary_phone,first_name\n");
        for (var i = 0; i < 300; i++)
            csv.Append($"{Requests.UsPhone(5000 + i)},N{i}\n");
        var poisoned = Requests.UsPhone(5000 + 17);
        var faults = app.Service<UploadFaults>();
        faults.FailBatchesWith(poisoned, failAfterContactsWereWritten ? UploadFaults.Stage.AfterContacts : UploadFaults.Stage.BeforeImport);
        try
        {
            var uuid = (await (await UploadAsync(client, listSlug, Encoding.UTF8.GetBytes(csv.ToString()))).BodyAsync())["uuid"]!.GetValue<string>();
            var failed = await FinishedAsync(client, uuid);
            Assert.Equal("failed", failed["status"]!.GetValue<string>());
            Assert.Equal(1, failed["batches"]!["failed"]!.GetValue<int>());
            var inFailedBatch = 300 - failed["attempted"]!.GetValue<int>();
            Assert.InRange(inFailedBatch, 1, 50);
            Assert.Equal(300 - inFailedBatch, failed["valid"]!.GetValue<int>());

            faults.Clear();
            var retry = await client.PostAsync($"/api/v/upload/{uuid}/retry/", null);
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.True((await retry.BodyAsync())["success"]!.GetValue<bool>());

            var done = await FinishedAsync(client, uuid);
            Assert.Equal("completed", done["status"]!.GetValue<string>());
            AssertCounts(done, attempted: 300, valid: 300, dupes: 0, invalid: 0);
            Assert.Equal(300, await ContactsInCampaignAsync(campaignId));
            Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/v/upload/{uuid}/retry/", null)).StatusCode);
        }
        finally
        {
            faults.Clear();
        }
    }

    [Fact]
    public async Task Requests_that_cannot_be_an_upload_are_refused_with_the_field_at_fault()
    {
        var (client, _) = await app.NewAccountAsync();
        var (_, listSlug, _) = await CampaignWithListAsync(client);

        async Task AssertRefused(HttpResponseMessage response, HttpStatusCode status, string field)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.BodyAsync();
            Assert.Equal(field, problem["errors"]?[0]?["field"]?.GetValue<string>() ?? field);
            Assert.Contains(field, problem.ToJsonString());
        }

        await AssertRefused(await UploadAsync(client, listSlug, Encoding.UTF8.GetBytes("phone,first_name\n2125550100,A\n")), HttpStatusCode.BadRequest, "file");
        await AssertRefused(await UploadAsync(client, listSlug, Encoding.UTF8.GetBytes("primary_phone,Primary_Phone\n1,2\n")), HttpStatusCode.BadRequest, "file");
        await AssertRefused(await UploadAsync(client, listSlug, []), HttpStatusCode.BadRequest, "file");
        await AssertRefused(await UploadAsync(client, listSlug, Encoding.UTF8.GetBytes("primary_phone\n2125550100\n"), dedupe: "maybe"), HttpStatusCode.BadRequest, "dedupe");
        var noFile = new MultipartFormDataContent { { new StringContent("true"), "dedupe" } };
        await AssertRefused(await client.PostAsync($"/api/v/upload/{listSlug}/", noFile), HttpStatusCode.BadRequest, "file");
        await AssertRefused(await client.PostAsync($"/api/v/upload/{listSlug}/", new StringContent("primary_phone\n1\n")), HttpStatusCode.UnsupportedMediaType, "file");
        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(client, "no-such-list", Encoding.UTF8.GetBytes("primary_phone\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v/upload/{Guid.NewGuid()}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/v/upload/{Guid.NewGuid()}/retry/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v/upload/not-a-uuid/retry/", null)).StatusCode);
        Assert.Empty((await client.GetFromJsonNodeAsync($"/api/v/list/{listSlug}/"))["uploads"]!.AsArray());
    }

    [Fact]
    public async Task Another_account_cannot_see_or_retry_an_upload()
    {
        var (owner, _) = await app.NewAccountAsync();
        var (stranger, _) = await app.NewAccountAsync();
        var (_, listSlug, _) = await CampaignWithListAsync(owner);
        var uuid = (await (await UploadAsync(owner, listSlug, Encoding.UTF8.GetBytes("primary_phone\n2125550300\n"))).BodyAsync())["uuid"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v/upload/{uuid}/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v/upload/{uuid}/errors/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/v/upload/{uuid}/retry/", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(stranger, listSlug, Encoding.UTF8.GetBytes("primary_phone\n2125550301\n"))).StatusCode);
        Assert.Equal("completed", (await FinishedAsync(owner, uuid))["status"]!.GetValue<string>());
    }
}
