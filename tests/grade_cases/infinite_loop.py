"""Never returns. It prints the time its module was loaded, so a test can measure how soon
after the learner's code starts the grader gives up."""
import time

print(f"loaded at {time.time():.3f}")


def batched_matmul(a, b):
    while True:
        pass
