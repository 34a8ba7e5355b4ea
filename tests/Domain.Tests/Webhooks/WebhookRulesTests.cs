using Campaigns.Domain.Network;
using Campaigns.Domain.Validation;
using Campaigns.Domain.Webhooks;

namespace Campaigns.Domain.Tests.Webhooks;

public sealed class WebhookRulesTests
{
    private static (WebhookSpec? Spec, ValidationErrors Errors) Validate(string? url = "https://example.com/hooks", IReadOnlyList<string?>? events = null, string? secret = null, bool allowHttp = false,
        EgressPolicy? egress = null)
    {
        var errors = new ValidationErrors();
        return (WebhookRules.Validate(new WebhookDraft(url, events, secret), allowHttp, egress ?? EgressPolicy.PublicOnly, errors), errors);
    }

    private static string OnlyField(ValidationErrors errors) => Assert.Single(errors.All).Field;

    [Fact]
    public void Validate_UrlOnly_SubscribesToEverything()
    {
        var (spec, errors) = Validate();
        Assert.False(errors.Any);
        Assert.Equal(new Uri("https://example.com/hooks"), spec!.Url);
        Assert.Equal(["*"], spec.Events);
        Assert.Null(spec.Secret);
    }

    [Fact]
    public void Validate_RepeatedEvents_AreKeptOnceInOrder() =>
        Assert.Equal(["call.completed", "campaign.*"], Validate(events: ["call.completed", "campaign.*", "call.completed"]).Spec!.Events);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("example.com/hooks")]
    [InlineData("/hooks")]
    [InlineData("ftp://example.com/hooks")]
    [InlineData("http://example.com/hooks")]
    [InlineData("https://user:pass@example.com/hooks")]
    public void Validate_BadUrl_NamesUrl(string? url) => Assert.Equal("url", OnlyField(Validate(url).Errors));

    [Fact]
    public void Validate_UrlLongerThan2048_NamesUrl() =>
        Assert.Equal("url", OnlyField(Validate("https://example.com/" + new string('a', 2030)).Errors));

    [Theory]
    [InlineData("http://localhost:8080/hooks")]
    [InlineData("http://127.0.0.1/hooks")]
    [InlineData("http://[::1]:9000/hooks")]
    public void Validate_HttpToLoopbackInDevelopment_IsAccepted(string url) => Assert.False(Validate(url, egress: EgressPolicy.Development).Errors.Any);

    [Theory]
    [InlineData("http://localhost:8080/hooks")]
    [InlineData("https://api.localhost/hooks")]
    [InlineData("http://127.0.0.1/hooks")]
    [InlineData("https://[::1]:9000/hooks")]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://192.168.1.20/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://168.63.129.16/machine")]
    [InlineData("https://[fd00:ec2::254]/latest")]
    [InlineData("https://[::ffff:127.0.0.1]/hooks")]
    [InlineData("https://[::ffff:10.0.0.5]/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    [InlineData("https://2130706433/hooks")]
    public void Validate_LiteralNonPublicHostOutsideDevelopment_NamesUrl(string url) => Assert.Equal("url", OnlyField(Validate(url).Errors));

    [Fact]
    public void Validate_PrivateAddressInDevelopment_IsStillRefused() =>
        Assert.Equal("url", OnlyField(Validate("https://10.0.0.5/hooks", egress: EgressPolicy.Development).Errors));

    [Fact]
    public void Validate_PrivateAddressWhenPrivateNetworksAreAllowed_IsAccepted() =>
        Assert.False(Validate("https://10.0.0.5/hooks", egress: new EgressPolicy(false, true)).Errors.Any);

    [Theory]
    [InlineData("https://93.184.215.14/hooks")]
    [InlineData("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hooks")]
    [InlineData("https://hooks.internal.example/x")] // a name: checked against what it resolves to when the connection is made
    public void Validate_PublicAddressOrAName_IsAccepted(string url) => Assert.False(Validate(url).Errors.Any);

    [Fact]
    public void Validate_HttpWhenAllowed_IsAccepted() => Assert.False(Validate("http://example.com/hooks", allowHttp: true).Errors.Any);

    [Fact]
    public void Validate_EmptyEvents_NamesEvents() => Assert.Equal("events", OnlyField(Validate(events: []).Errors));

    [Fact]
    public void Validate_UnknownOrNonStringEvent_NamesItsIndex()
    {
        var (_, errors) = Validate(events: ["call.completed", "call.finished", null, "nothing.*", "*"]);
        Assert.Equal(["events[1]", "events[2]", "events[3]"], errors.All.Select(e => e.Field));
    }

    [Fact]
    public void Validate_MoreThanFiftyEvents_NamesEvents() =>
        Assert.Equal("events", OnlyField(Validate(events: Enumerable.Repeat<string?>("*", 51).ToList()).Errors));

    [Theory]
    [InlineData(15)]
    [InlineData(257)]
    public void Validate_SecretOutOf16To256_NamesSecret(int length) =>
        Assert.Equal("secret", OnlyField(Validate(secret: new string('s', length)).Errors));

    [Fact]
    public void Validate_SecretWithControlCharacter_NamesSecret() =>
        Assert.Equal("secret", OnlyField(Validate(secret: "0123456789abcdef\n").Errors));

    [Fact]
    public void Validate_SecretErrorMessage_NeverEchoesTheSecret() =>
        Assert.DoesNotContain("tooshort", Assert.Single(Validate(secret: "tooshort").Errors.All).Message);

    [Theory]
    [InlineData(16)]
    [InlineData(256)]
    public void Validate_SecretOf16To256_IsKept(int length) =>
        Assert.Equal(new string('s', length), Validate(secret: new string('s', length)).Spec!.Secret);

    [Fact]
    public void Validate_EveryFieldWrong_ReportsEachField()
    {
        var (spec, errors) = Validate(url: "nope", events: ["x"], secret: "short");
        Assert.Null(spec);
        Assert.Equal(["url", "events[0]", "secret"], errors.All.Select(e => e.Field));
    }
}
