using TorchSharp;
using var x = torch.ones(2);
Console.WriteLine(x.sum().item<float>());
