"""The complaint classifier: jieba tokenising, training, prediction. No Flask, no database."""
