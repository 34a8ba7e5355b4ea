using System.Net;
using Campaigns.Functions.Tests.Infrastructure;

namespace Campaigns.Functions.Tests.Api;

[Collection(AppCollection.Name)]
public sealed class CallingHoursTests(AppFixture app)
{
    [Fact]
    public async Task CallingHours_DefaultToTheUsRuleAndCanBeNarrowedPerAccount()
    {
        var (client, _) = await app.NewAccountAsync();
        var (other, _) = await app.NewAccountAsync();
        var initial = await (await client.GetAsync("/v1/account/calling-hours")).BodyAsync();
        Assert.Equal("08:00", initial["start"]!.GetValue<string>());
        Assert.Equal("21:00", initial["end"]!.GetValue<string>());

        var put = await client.PutAsync("/v1/account/calling-hours", Requests.Json("""{"start": "09:00", "end": "20:00"}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("09:00", (await (await client.GetAsync("/v1/account/calling-hours")).BodyAsync())["start"]!.GetValue<string>());
        Assert.Equal("08:00", (await (await other.GetAsync("/v1/account/calling-hours")).BodyAsync())["start"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"start": "25:00", "end": "20:00"}""", "start")]
    [InlineData("""{"start": "09:00"}""", "end")]
    [InlineData("""{"start": "21:00", "end": "08:00"}""", "end")]
    public async Task CallingHours_Invalid_Is400NamingTheField(string body, string field)
    {
        var (client, _) = await app.NewAccountAsync();
        var problem = await (await client.PutAsync("/v1/account/calling-hours", Requests.Json(body))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.FieldErrors().ContainsKey(field));
    }
}
